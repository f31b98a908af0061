{{
    config(
        materialized='incremental',
        unique_key='event_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook="{{ delete_rows_gone_from_source('raw', 'web_events') }}",
    )
}}

with

-- An incremental build reads every copy of the ids that have a copy in the
-- reprocessed days, so it keeps the same copy as a full build. Ingest
-- quarantines rows without event_id, so the unique key is never NULL.
source as (

    select * from {{ source('raw', 'web_events') }}
    {%- if is_incremental() %}
    where event_id in (
        select event_id
        from {{ source('raw', 'web_events') }}
        where {{ incremental_window_filter('occurred_at') }}
    )
    {%- endif %}

),

renamed as (

    select
        event_id,
        lower(trim(event_type)) as event_type,
        event_name,
        occurred_at,
        lower(trim(platform)) as platform,
        nullif(trim(anonymous_id), '') as anonymous_id,
        nullif(trim(user_id), '') as user_id,
        nullif(trim(previous_id), '') as previous_id,
        {{ normalize_email('email') }} as email,
        {{ normalize_phone('phone') }} as phone,
        nullif(trim(page_url), '') as page_url,
        nullif(trim(referrer), '') as referrer,
        {{ url_host('page_url') }} as page_host,
        {{ url_host('referrer') }} as referrer_host,
        {{ normalize_text('utm_source') }} as utm_source,
        {{ normalize_text('utm_medium') }} as utm_medium,
        nullif(trim(utm_campaign), '') as utm_campaign,
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
        event_name,
        occurred_at,
        platform,
        anonymous_id,
        user_id,
        previous_id,
        email,
        phone,
        page_url,
        referrer,
        page_host,
        referrer_host,
        utm_source,
        utm_medium,
        utm_campaign,
        _file,
        _line,
        _format,
        _loaded_at

    from ranked
    where copy_number = 1

)

select * from final
