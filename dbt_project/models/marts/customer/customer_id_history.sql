with

assignments as (

    select * from {{ ref('int_customer_id_assignments') }}

),

identities as (

    select * from {{ ref('int_identities_stitched') }}

),

current_customer_ids as (

    select distinct customer_id
    from identities

),

-- Identifiers whose earlier customer_id differs from the current one.
moved_identifiers as (

    select
        assignments.customer_id as previous_customer_id,
        identities.customer_id,
        identities.identifier_key

    from assignments
    inner join identities
        on assignments.identifier_key = identities.identifier_key
    where assignments.customer_id <> identities.customer_id

),

moved_at as (

    select
        moved_identifiers.previous_customer_id,
        moved_identifiers.customer_id,
        moved_identifiers.identifier_key,
        current_assignments.first_assigned_at as moved_at

    from moved_identifiers
    inner join assignments as current_assignments
        on moved_identifiers.identifier_key = current_assignments.identifier_key
        and moved_identifiers.customer_id = current_assignments.customer_id

),

final as (

    select
        moved_at.previous_customer_id,
        moved_at.customer_id,
        case
            when current_customer_ids.customer_id is null then 'merged'
            else 'split'
        end as change_type,
        cast(count(*) as bigint) as count_identifiers_moved,
        min(moved_at.moved_at) as changed_at

    from moved_at
    left join current_customer_ids
        on moved_at.previous_customer_id = current_customer_ids.customer_id
    group by
        moved_at.previous_customer_id,
        moved_at.customer_id,
        current_customer_ids.customer_id

)

select * from final
