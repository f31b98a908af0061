{{
    config(
        materialized='incremental',
        unique_key='ad_spend_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook="{{ delete_rows_gone_from_source('raw', 'ad_spend') }}",
    )
}}

with

-- ad_spend_id joins columns that ingest requires, so it is never NULL.
source as (

    select * from {{ source('raw', 'ad_spend') }}
    where {{ incremental_window_filter('spend_date', 'date') }}

),

-- One row per landed stats row. Exports split a campaign's day by device,
-- network or ad, so the rows are added up downstream. A file landed twice is
-- skipped at ingest by its content hash, so no copy is removed here.
renamed as (

    select
        {{ dbt.concat([
            "lower(trim(platform))", "':'",
            "trim(campaign_id)", "':'",
            dbt.safe_cast('spend_date', dbt.type_string()), "':'",
            "_file", "':'",
            dbt.safe_cast('_line', dbt.type_string()),
        ]) }} as ad_spend_id,
        spend_date,
        lower(trim(platform)) as platform,
        trim(campaign_id) as campaign_id,
        campaign_name,
        impressions,
        clicks,
        cast(spend_amount as decimal(18, 4)) as spend_amount,
        -- Exports without an account currency (Google Ads without the
        -- account table, Facebook Ads) are in default_spend_currency.
        coalesce(
            upper(trim(currency)), '{{ var('default_spend_currency') }}'
        ) as currency,
        _file,
        _line,
        _format,
        _loaded_at

    from source

),

final as (

    select * from renamed

)

select * from final
