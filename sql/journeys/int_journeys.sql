-- grain: one row per journey (before replay fitness is known)
-- undesigned_moves: moves the map does not design before the journey's first goal (an
-- undesigned entry included; browsing on after a goal is not a deviation).
-- $scoped: only the journeys in jm_scope_journeys (an incremental night rebuilds those).
-- Inputs: journey_steps, jm_internal.int_moves, jm_internal.int_journey_attributes,
-- map_personas, jm_scope_journeys.
with
steps as (
    select * from journey_steps
    where (not $scoped or journey_id in (select journey_id from jm_scope_journeys))
),

deviating as (
    select journey_id, count(*) as undesigned_moves
    from jm_internal.int_moves
    where not designed and not after_goal
        and (not $scoped or journey_id in (select journey_id from jm_scope_journeys))
    group by journey_id
),

per_journey as (
    select
        journey_id,
        min(customer_id) as customer_id,
        min(journey_no) as journey_no,
        min(occurred_at) as started_at,
        max(occurred_at) as ended_at,
        count(*) as events,
        jm_distinct_sorted(list(channel)) as channel_set,
        max(case when step = 1 then touchpoint end) as entry_touchpoint,
        max(case when step = 1 then channel end) as entry_channel,
        max(case when next_touchpoint is null then touchpoint end) as last_touchpoint,
        bool_or(is_goal) as reached_goal,
        jm_ordered_list(touchpoint, step) as touchpoints,
        count(*) filter (where not after_goal) as replay_steps
    from steps
    group by journey_id
),

-- the sequence, and what conformance replays: the journey up to its first goal (browsing
-- on after a goal is not a deviation; after_goal holds for every step after the first goal,
-- so these are the first replay_steps touchpoints)
sequenced as (
    select
        journey_id,
        customer_id,
        journey_no,
        started_at,
        ended_at,
        events,
        cast(array_length(channel_set) as bigint) as channels,
        nullif(array_to_string(channel_set, ','), '') as channel_list,
        entry_touchpoint,
        entry_channel,
        last_touchpoint,
        reached_goal,
        jm_join_head(touchpoints, events, ' > ') as sequence,
        jm_join_head(touchpoints, replay_steps, ' > ') as replay_sequence,
        replay_steps
    from per_journey
),

with_deviations as (
    select
        j.*,
        cast(coalesce(d.undesigned_moves, 0) as bigint) as undesigned_moves
    from sequenced as j
    left join deviating as d on d.journey_id = j.journey_id
),

-- the persona rules, first match by rule_no; a visits rule looks in the journey's touchpoints
-- (read once from the steps, with everything else per journey)
persona_matches as (
    select
        j.journey_id,
        p.persona,
        row_number() over (partition by j.journey_id order by p.rule_no) as match_rank
    from per_journey as j
    inner join map_personas as p
        on (p.entry_channel is null or p.entry_channel = j.entry_channel)
        and (p.entry_touchpoint is null or p.entry_touchpoint = j.entry_touchpoint)
        and (p.returning is null or p.returning = (j.journey_no > 1))
        and (p.visits is null or jm_list_has(j.touchpoints, p.visits))
        and (
            p.attribute is null
            or exists (
                select 1
                from jm_internal.int_journey_attributes as a
                where a.journey_id = j.journey_id and a.name = p.attribute
                    and a.value = p.equals
            )
        )
),

final as (
    select
        j.*,
        left(sha256(j.sequence), 12) as variant_id,
        j.undesigned_moves = 0 as conforms,
        coalesce(pm.persona, 'unassigned') as persona
    from with_deviations as j
    left join persona_matches as pm on pm.journey_id = j.journey_id and pm.match_rank = 1
)

select * from final
