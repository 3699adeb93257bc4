-- grain: one row: when the chat and social events begin and end, and when the $limit most
-- recent of them begin (the earliest when there are fewer): where customer_texts' first
-- window of recent texts starts. Reads their times only.
-- Inputs: events, $limit.
with
written as (
    select occurred_at from events where channel in ('chat', 'social')
),

most_recent as (
    select occurred_at from written
    order by occurred_at desc
    limit $limit
),

final as (
    select
        (select min(occurred_at) from written) as earliest,
        (select max(occurred_at) from written) as latest,
        (select min(occurred_at) from most_recent) as since
)

select * from final
