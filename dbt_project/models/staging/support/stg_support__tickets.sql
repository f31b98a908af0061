{{
    config(
        materialized='incremental',
        unique_key='ticket_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook="{{ delete_rows_gone_from_source('raw', 'support_tickets') }}",
    )
}}

with

-- An incremental build reads every copy of the ids that have a copy in the
-- reprocessed days, so it keeps the same copy as a full build. Ingest
-- quarantines rows without ticket_id, so the unique key is never NULL.
source as (

    select * from {{ source('raw', 'support_tickets') }}
    {%- if is_incremental() %}
    where ticket_id in (
        select ticket_id
        from {{ source('raw', 'support_tickets') }}
        where {{ incremental_window_filter('created_at') }}
    )
    {%- endif %}

),

renamed as (

    select
        ticket_id,
        nullif(trim(requester_id), '') as requester_id,
        {{ normalize_email('requester_email') }} as requester_email,
        {{ normalize_phone('requester_phone') }} as requester_phone,
        {{ normalize_handle('requester_handle') }} as requester_handle,
        created_at,
        lower(trim(status)) as status,
        lower(trim(via_channel)) as via_channel,
        subject,
        lower(trim(priority)) as priority,
        solved_at,
        lower(trim(satisfaction_rating)) as satisfaction_rating,
        _file,
        _line,
        _format,
        _loaded_at

    from source

),

-- Keep the first loaded copy of each ticket. A later export of the same
-- ticket with a changed status is dropped too.
ranked as (

    select
        *,
        row_number() over (
            partition by ticket_id
            order by _loaded_at nulls last, _file nulls last, _line nulls last
        ) as copy_number

    from renamed

),

final as (

    select
        ticket_id,
        requester_id,
        requester_email,
        requester_phone,
        requester_handle,
        created_at,
        status,
        via_channel,
        subject,
        priority,
        solved_at,
        satisfaction_rating,
        _file,
        _line,
        _format,
        _loaded_at

    from ranked
    where copy_number = 1

)

select * from final
