{#
    Identifier columns read from each staging model: (source, staging model,
    record key column, record time column, identifier type, identifier column).
    Outbound social posts are left out because their author is a brand
    account, not a customer.
#}
{%- set identifier_columns = [
    ('web', 'stg_web__events', 'event_id', 'occurred_at', 'cookie', 'anonymous_id'),
    ('web', 'stg_web__events', 'event_id', 'occurred_at', 'user_id', 'user_id'),
    ('web', 'stg_web__events', 'event_id', 'occurred_at', 'email', 'email'),
    ('web', 'stg_web__events', 'event_id', 'occurred_at', 'phone', 'phone'),
    ('email', 'stg_email__events', 'event_id', 'occurred_at', 'email', 'email'),
    ('social', 'inbound_social_posts', 'post_id', 'posted_at', 'handle', 'author_handle'),
    ('support', 'stg_support__tickets', 'ticket_id', 'created_at', 'requester_id', 'requester_id'),
    ('support', 'stg_support__tickets', 'ticket_id', 'created_at', 'email', 'requester_email'),
    ('support', 'stg_support__tickets', 'ticket_id', 'created_at', 'phone', 'requester_phone'),
    ('support', 'stg_support__tickets', 'ticket_id', 'created_at', 'handle', 'requester_handle'),
    ('shop', 'stg_shop__orders', 'order_id', 'ordered_at', 'shop_customer', 'shop_customer_id'),
    ('shop', 'stg_shop__orders', 'order_id', 'ordered_at', 'email', 'email'),
    ('shop', 'stg_shop__orders', 'order_id', 'ordered_at', 'phone', 'phone'),
] -%}

with

stg_web__events as (

    select * from {{ ref('stg_web__events') }}

),

stg_email__events as (

    select * from {{ ref('stg_email__events') }}

),

stg_social__posts as (

    select * from {{ ref('stg_social__posts') }}

),

stg_support__tickets as (

    select * from {{ ref('stg_support__tickets') }}

),

stg_shop__orders as (

    select * from {{ ref('stg_shop__orders') }}

),

inbound_social_posts as (

    select * from stg_social__posts
    where is_inbound

),

observations as (

    {% for source_name, relation, record_key, record_time, identifier_type, identifier_column in identifier_columns %}
    select
        '{{ source_name }}' as source,
        {{ record_key }} as record_key,
        {{ record_time }} as observed_at,
        '{{ identifier_type }}' as identifier_type,
        {{ identifier_column }} as identifier_value

    from {{ relation }}
    where {{ identifier_column }} is not null
    {% if not loop.last %}
    union all
    {% endif %}
    {% endfor %}

    union all

    -- An order with no customer identifier at all (a walk-in sale) is its own
    -- identifier, so every order still belongs to a customer.
    select
        'shop' as source,
        order_id as record_key,
        ordered_at as observed_at,
        'shop_order' as identifier_type,
        order_id as identifier_value

    from stg_shop__orders
    where email is null
        and phone is null
        and shop_customer_id is null

),

final as (

    select
        {{ dbt.concat(['source', "':'", 'record_key', "':'", 'identifier_type']) }}
            as identifier_observation_id,
        source,
        record_key,
        observed_at,
        identifier_type,
        identifier_value,
        {{ dbt.concat(['identifier_type', "':'", 'identifier_value']) }} as identifier_key

    from observations

)

select * from final
