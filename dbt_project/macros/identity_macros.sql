{#
    Rank of an identifier type, 1 for the most trusted. The rank decides two
    things: the identifier that names a customer (customer_id is the MD5 of
    the best-ranked identifier_key of the component), and which linked
    identifiers count towards an identifier's link limit (only identifiers
    that outrank it). Login ids rank first because the account owner controls
    them, and cookies rank low because devices are shared and cleared.
#}
{% macro identity_priority(identifier_type) -%}
    case {{ identifier_type }}
        when 'user_id' then 1
        when 'shop_customer' then 2
        when 'requester_id' then 3
        when 'email' then 4
        when 'phone' then 5
        when 'handle' then 6
        when 'cookie' then 7
        else 8
    end
{%- endmacro %}

{#
    The source table, or an empty relation with empty_columns when the table
    does not exist yet. empty_columns is a list of (column name, SQL type)
    pairs. Tables that Python assets write (phone normalizations, sentiment,
    customer value) are read through this macro, so a plain `dbt build`
    without those assets still runs and leaves their columns NULL.
#}
{% macro identity_optional_source(source_name, table_name, empty_columns) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- set existing = none -%}
    {%- if execute -%}
        {%- set existing = adapter.get_relation(
            database=relation.database,
            schema=relation.schema,
            identifier=relation.identifier
        ) -%}
    {%- endif -%}
    {%- if existing is not none -%}
        {{ relation }}
    {%- else -%}
        (
            select
                {%- for column_name, column_type in empty_columns %}
                cast(null as {{ column_type }}) as {{ column_name }}{{ "," if not loop.last }}
                {%- endfor %}
            where 1 = 0
        ) as missing_{{ table_name }}
    {%- endif -%}
{%- endmacro %}

{#
    Rank of a link rule, 1 for the strongest evidence that two identifiers
    are one person. An alias call is the application's own statement that
    previous_id and user_id are one person. A shop order and a support ticket
    come from a transaction or a conversation with the person, web events
    from a browser that can be shared, and an email event or a social post
    only repeats an address or handle. Stitching treats every rule alike, and
    the rank orders the evidence shown in identity_links.
#}
{% macro identity_link_rule_priority(link_rule) -%}
    case {{ link_rule }}
        when 'alias_previous_id' then 1
        when 'same_shop_order' then 2
        when 'same_support_ticket' then 3
        when 'same_web_event' then 4
        when 'same_email_event' then 5
        when 'same_social_post' then 6
    end
{%- endmacro %}
