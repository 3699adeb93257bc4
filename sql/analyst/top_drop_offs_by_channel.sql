-- Where do journeys drop off, for each channel they entered by?
-- grain: one row per (entry_channel, touchpoint), the $top touchpoints with the most drop-offs
-- of each entry channel.
-- Drop-off at a touchpoint: a journey reached it, then reached neither a designed successor
-- nor a goal (touchpoint_stats.drop_offs; null for goals and where the map designs no way on).
-- The rate comes with its Wilson 95% interval; a touchpoint reached by fewer than
-- $min_journeys journeys of the channel is left out (too few to judge).
-- Parameters: $top (touchpoints per channel, e.g. 3), $min_journeys (e.g. 30).
-- Inputs: touchpoint_stats.
with
stats as (
    select
        segment_value as entry_channel,
        node as touchpoint,
        stage,
        journeys,
        drop_offs,
        drop_off_rate,
        drop_off_rate_low,
        drop_off_rate_high,
        goal_rate
    from touchpoint_stats
    where segment = 'entry_channel' and level = 'touchpoint' and drop_offs is not null
),

ranked as (
    select
        *,
        row_number() over (
            partition by entry_channel order by drop_offs desc, drop_off_rate desc, touchpoint
        ) as rank_in_channel
    from stats
    where journeys >= $min_journeys
),

final as (
    select
        entry_channel,
        rank_in_channel,
        touchpoint,
        stage,
        journeys,
        drop_offs,
        drop_off_rate,
        drop_off_rate_low,
        drop_off_rate_high,
        goal_rate
    from ranked
    where rank_in_channel <= $top
)

select * from final
order by entry_channel, rank_in_channel
