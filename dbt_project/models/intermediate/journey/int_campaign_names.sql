{#
    One display name per campaign key. Ad platforms name campaigns and UTM
    parameters copy those names by hand, so the spelling used by the most
    ad spend rows wins, then the spelling of the most touches, then the
    first spelling in sort order.
#}

with

touchpoints as (

    select * from {{ ref('int_touchpoints_unioned') }}

),

ad_spend as (

    select * from {{ ref('stg_ads__spend') }}

),

touch_spellings as (

    select
        {{ campaign_key('sub_channel') }} as campaign_key,
        {{ campaign_name('sub_channel') }} as campaign,
        0 as count_spend_rows,
        count(*) as count_touches

    from touchpoints
    group by
        {{ campaign_key('sub_channel') }},
        {{ campaign_name('sub_channel') }}

),

spend_spellings as (

    select
        {{ campaign_key('campaign_name') }} as campaign_key,
        {{ campaign_name('campaign_name') }} as campaign,
        count(*) as count_spend_rows,
        0 as count_touches

    from ad_spend
    group by
        {{ campaign_key('campaign_name') }},
        {{ campaign_name('campaign_name') }}

),

unioned_spellings as (

    select * from touch_spellings
    union all
    select * from spend_spellings

),

spellings as (

    select
        campaign_key,
        campaign,
        sum(count_spend_rows) as count_spend_rows,
        sum(count_touches) as count_touches

    from unioned_spellings
    group by
        campaign_key,
        campaign

),

-- NOTE: the last tie-break compares strings in the database's collation,
-- which is byte order on DuckDB and may differ on PostgreSQL.
ranked as (

    select
        campaign_key,
        campaign,
        row_number() over (
            partition by campaign_key
            order by
                count_spend_rows desc,
                count_touches desc,
                campaign asc
        ) as spelling_rank,
        count(*) over (partition by campaign_key) as count_spellings

    from spellings

),

final as (

    select
        campaign_key,
        campaign,
        cast(count_spellings as bigint) as count_spellings

    from ranked
    where spelling_rank = 1

)

select * from final
