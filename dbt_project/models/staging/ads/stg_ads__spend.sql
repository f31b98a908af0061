with

source as (

    select * from {{ source('raw', 'ad_spend') }}

),

renamed as (

    select
        {{ dbt.concat([
            "lower(trim(platform))", "':'",
            "trim(campaign_id)", "':'",
            dbt.safe_cast('spend_date', dbt.type_string()),
        ]) }} as ad_spend_id,
        spend_date,
        lower(trim(platform)) as platform,
        trim(campaign_id) as campaign_id,
        campaign_name,
        impressions,
        clicks,
        cast(spend_amount as decimal(18, 4)) as spend_amount,
        upper(trim(currency)) as currency,
        _file,
        _line,
        _format,
        _loaded_at

    from source

),

-- A re-landed file repeats its rows, so keep the first loaded copy of each
-- platform, campaign and day.
ranked as (

    select
        *,
        row_number() over (
            partition by ad_spend_id
            order by _loaded_at nulls last, _file nulls last, _line nulls last
        ) as copy_number

    from renamed

),

final as (

    select
        ad_spend_id,
        spend_date,
        platform,
        campaign_id,
        campaign_name,
        impressions,
        clicks,
        spend_amount,
        currency,
        _file,
        _line,
        _format,
        _loaded_at

    from ranked
    where copy_number = 1

)

select * from final
