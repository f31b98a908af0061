with

links as (

    select * from {{ ref('int_identity_links') }}

),

identities as (

    select * from {{ ref('int_identities_stitched') }}

),

final as (

    select
        links.identity_link_id,
        identities.customer_id,
        links.identifier_key_a,
        links.identifier_type_a,
        links.identifier_value_a,
        links.identifier_key_b,
        links.identifier_type_b,
        links.identifier_value_b,
        links.link_rule,
        cast(links.link_rule_priority as integer) as link_rule_priority,
        links.first_seen_at,
        links.last_seen_at,
        cast(links.count_records as bigint) as count_records

    from links
    inner join identities
        on links.identifier_key_a = identities.identifier_key

)

select * from final
