with

source as (

    select * from {{ source('raw', 'order_lines') }}

),

renamed as (

    select
        {{ dbt.concat(['order_id', "'-'", dbt.safe_cast('line_number', dbt.type_string())]) }}
            as order_line_id,
        order_id,
        line_number,
        nullif(trim(sku), '') as sku,
        product_name,
        quantity,
        cast(unit_price as decimal(18, 2)) as unit_price,
        cast(quantity * unit_price as decimal(18, 2)) as line_amount,
        _file,
        _line,
        _format,
        _loaded_at

    from source

),

-- A re-landed file repeats its lines, so keep the first loaded copy of each
-- order and line number.
ranked as (

    select
        *,
        row_number() over (
            partition by order_id, line_number
            order by _loaded_at nulls last, _file nulls last, _line nulls last
        ) as copy_number

    from renamed

),

final as (

    select
        order_line_id,
        order_id,
        line_number,
        sku,
        product_name,
        quantity,
        unit_price,
        line_amount,
        _file,
        _line,
        _format,
        _loaded_at

    from ranked
    where copy_number = 1

)

select * from final
