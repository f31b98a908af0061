with

currency_rates as (

    select * from {{ ref('currency_rates') }}

),

-- Each rate applies from valid_from up to the next row's valid_from.
final as (

    select
        currency,
        rate,
        valid_from,
        lead(valid_from) over (
            partition by currency
            order by valid_from asc nulls last
        ) as valid_to

    from currency_rates
    where reporting_currency = '{{ var('reporting_currency') }}'

)

select * from final
