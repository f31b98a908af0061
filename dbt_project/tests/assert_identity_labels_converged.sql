-- Returns one row per identity link whose two identifiers still have
-- different customer ids after identity_max_iterations rounds of label
-- propagation. Rows mean the identity graph has a chain longer than the
-- number of rounds. Raise the identity_max_iterations var to fix it.

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
        links.identifier_key_a,
        identity_a.customer_id as customer_id_a,
        links.identifier_key_b,
        identity_b.customer_id as customer_id_b

    from links
    inner join identities as identity_a
        on links.identifier_key_a = identity_a.identifier_key
    inner join identities as identity_b
        on links.identifier_key_b = identity_b.identifier_key
    where identity_a.customer_id <> identity_b.customer_id

)

select * from final
