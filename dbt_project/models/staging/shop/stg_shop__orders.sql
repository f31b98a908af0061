{{
    config(
        materialized='incremental',
        unique_key='order_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook="{{ delete_rows_gone_from_source('raw', 'orders') }}",
    )
}}

with

-- An incremental build reads every copy of the ids that have a copy in the
-- reprocessed days, so it keeps the same copy as a full build. Ingest
-- quarantines rows without order_id, so the unique key is never NULL.
source as (

    select * from {{ source('raw', 'orders') }}
    {%- if is_incremental() %}
    where order_id in (
        select order_id
        from {{ source('raw', 'orders') }}
        where {{ incremental_window_filter('ordered_at') }}
    )
    {%- endif %}

),

renamed as (

    select
        order_id,
        nullif(trim(customer_id), '') as shop_customer_id,
        {{ normalize_email('email') }} as email,
        {{ normalize_phone('phone') }} as phone,
        ordered_at,
        cast(total_amount as decimal(18, 2)) as total_amount,
        upper(trim(currency)) as currency,
        lower(trim(financial_status)) as financial_status,
        lower(trim(source_name)) as source_name,
        _file,
        _line,
        _format,
        _loaded_at

    from source

),

-- A re-landed file repeats its orders, so keep the first loaded copy of each id.
ranked as (

    select
        *,
        row_number() over (
            partition by order_id
            order by _loaded_at nulls last, _file nulls last, _line nulls last
        ) as copy_number

    from renamed

),

final as (

    select
        order_id,
        shop_customer_id,
        email,
        phone,
        ordered_at,
        total_amount,
        currency,
        financial_status,
        source_name,
        _file,
        _line,
        _format,
        _loaded_at

    from ranked
    where copy_number = 1

)

select * from final
