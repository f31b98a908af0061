{{
    config(
        materialized='incremental',
        unique_key='post_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook="{{ delete_rows_gone_from_source('raw', 'social_posts') }}",
    )
}}

with

-- An incremental build reads every copy of the ids that have a copy in the
-- reprocessed days, so it keeps the same copy as a full build. Ingest
-- quarantines rows without post_id, so the unique key is never NULL.
source as (

    select * from {{ source('raw', 'social_posts') }}
    {%- if is_incremental() %}
    where post_id in (
        select post_id
        from {{ source('raw', 'social_posts') }}
        where {{ incremental_window_filter('created_at') }}
    )
    {%- endif %}

),

renamed as (

    select
        post_id,
        {{ normalize_handle('author_handle') }} as author_handle,
        coalesce(is_inbound, false) as is_inbound,
        text as post_text,
        created_at as posted_at,
        nullif(trim(in_reply_to_post_id), '') as in_reply_to_post_id,
        _file,
        _line,
        _format,
        _loaded_at

    from source

),

-- A re-landed file repeats its posts, so keep the first loaded copy of each id.
ranked as (

    select
        *,
        row_number() over (
            partition by post_id
            order by _loaded_at nulls last, _file nulls last, _line nulls last
        ) as copy_number

    from renamed

),

final as (

    select
        post_id,
        author_handle,
        is_inbound,
        post_text,
        posted_at,
        in_reply_to_post_id,
        _file,
        _line,
        _format,
        _loaded_at

    from ranked
    where copy_number = 1

)

select * from final
