{#
    Connected components of the identity graph by min-label propagation.
    Every identifier starts with the label '<identifier_priority>|<identifier_key>'
    (the priority is one digit, so labels sort by priority, then by key). Each round
    gives every identifier the smallest label among itself and its linked
    identifiers, so after n rounds a label has travelled n links. The loop is
    unrolled in Jinja because recursive CTEs are not portable (Spark has
    none). Each round reads the previous round once, so engines that inline
    CTEs do not re-evaluate earlier rounds exponentially.
    One more round after the last one sets is_label_converged: a label that
    still changes means the component's best label is more than
    identity_max_iterations links away, and the accepted_values test on
    is_label_converged fails the build.
#}
{%- set max_iterations = var('identity_max_iterations') | int -%}

with

identifiers as (

    select * from {{ ref('int_identifiers_unioned') }}

),

links as (

    select * from {{ ref('int_identity_links') }}

),

nodes as (

    select distinct
        identifier_key,
        identifier_type,
        identifier_value,
        identifier_priority

    from identifiers

),

-- Each identifier's neighbours in both directions, plus itself so that a
-- round keeps the identifier's own label as a candidate.
neighbours as (

    select
        identifier_key_a as identifier_key,
        identifier_key_b as neighbour_key
    from links

    union

    select
        identifier_key_b as identifier_key,
        identifier_key_a as neighbour_key
    from links

    union

    select
        identifier_key,
        identifier_key as neighbour_key
    from nodes

),

labels_0 as (

    select
        identifier_key,
        {{ dbt.concat(['cast(identifier_priority as ' ~ dbt.type_string() ~ ')', "'|'", 'identifier_key']) }}
            as label
    from nodes

),

{% for iteration in range(1, max_iterations + 2) %}
labels_{{ iteration }} as (

    select
        neighbours.identifier_key,
        min(previous_labels.label) as label

    from neighbours
    inner join labels_{{ iteration - 1 }} as previous_labels
        on neighbours.neighbour_key = previous_labels.identifier_key
    group by neighbours.identifier_key

),

{% endfor %}
final as (

    select
        nodes.identifier_type,
        nodes.identifier_value,
        nodes.identifier_key,
        nodes.identifier_priority,
        -- The label without its 'n|' priority prefix.
        substr(final_labels.label, 3) as component_key,
        {{ dbt.hash('substr(final_labels.label, 3)') }} as customer_id,
        case when final_labels.label = check_labels.label then true else false end
            as is_label_converged

    from nodes
    inner join labels_{{ max_iterations }} as final_labels
        on nodes.identifier_key = final_labels.identifier_key
    inner join labels_{{ max_iterations + 1 }} as check_labels
        on nodes.identifier_key = check_labels.identifier_key

)

select * from final
