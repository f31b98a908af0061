{{
    config(
        materialized='incremental',
        unique_key='event_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook="{{ delete_rows_gone_from_source('raw', 'email_events') }}",
    )
}}

with

-- An incremental build reads every copy of the ids that have a copy in the
-- reprocessed days, so it keeps the same copy as a full build. Ingest
-- quarantines rows without event_id, so the unique key is never NULL.
source as (

    select * from {{ source('raw', 'email_events') }}
    {%- if is_incremental() %}
    where event_id in (
        select event_id
        from {{ source('raw', 'email_events') }}
        where {{ incremental_window_filter('occurred_at') }}
    )
    {%- endif %}

),

renamed as (

    select
        event_id,
        lower(trim(event_type)) as event_type,
        occurred_at,
        {{ normalize_email('email') }} as email,
        nullif(trim(campaign_id), '') as campaign_id,
        nullif(trim(campaign_name), '') as campaign_name,
        nullif(trim(link_url), '') as link_url,
        lower(trim(provider)) as provider,
        _file,
        _line,
        _format,
        _loaded_at

    from source

),

-- A re-landed file repeats its events, so keep the first loaded copy of each id.
ranked as (

    select
        *,
        row_number() over (
            partition by event_id
            order by _loaded_at nulls last, _file nulls last, _line nulls last
        ) as copy_number

    from renamed

),

final as (

    select
        event_id,
        event_type,
        occurred_at,
        email,
        campaign_id,
        campaign_name,
        link_url,
        provider,
        _file,
        _line,
        _format,
        _loaded_at

    from ranked
    where copy_number = 1

)

select * from final
