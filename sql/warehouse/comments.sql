-- The data dictionary: a comment on every analyst-facing table and column (schema main) and
-- on journeymine's internal tables (schema jm_internal). The one source of the descriptions:
-- docs/data-dictionary.md is generated from them (make docs), and analysts see them in any
-- DuckDB client (duckdb_tables(), duckdb_columns(), `.schema` in `journeymine sql`).
-- Tables rebuilt by `create or replace` lose their comments, so the library applies this
-- file before it publishes the analysts' copy (journeymine.warehouse.describe), skipping the
-- tables a warehouse does not have yet (before its first mining, no journeys).
-- Words keep one meaning, as in DOMAIN.md: a journey's *goal rate* counts goals reached after
-- the touchpoint; *drop-off* is reaching neither a designed successor nor a goal afterwards;
-- steps after a journey's first goal are never deviations nor losses.

-- ---------------------------------------------------------------- runs
comment on table runs is 'One row per nightly run: when, how it ended, what it loaded and recomputed, how long each stage took. Written when the run starts (status running) and completed before the analysts'' copy is published; a row still running when the next run starts belongs to a run that was killed, and is marked failed.';
comment on column runs.run_id is 'The Prefect flow run id (a new id when the flow ran without an API).';
comment on column runs.started_at is 'When the run started (UTC).';
comment on column runs.finished_at is 'When it finished (UTC), before publishing the analysts'' copy; null while running.';
comment on column runs.status is 'running; success; partial: a file failed to load or a source found no file (the run exits 1); failed: the run stopped on an error or was killed.';
comment on column runs.parameters is 'The flow''s parameters, as JSON text (the configuration file).';
comment on column runs.files_loaded is 'Files loaded this run.';
comment on column runs.files_skipped is 'Files skipped because the same content was loaded before.';
comment on column runs.files_failed is 'Files that failed to load (see loads.error; tried again next run).';
comment on column runs.sources_without_files is 'JSON list of the sources whose pattern matched no file: journeys were not mined that night.';
comment on column runs.rows_by_source is 'JSON: for each source, rows read, loaded, rejected and duplicate.';
comment on column runs.periods_recomputed is 'JSON: for each grain (day, week), how many periods of touchpoint_history the run rewrote.';
comment on column runs.seconds_by_stage is 'JSON: seconds spent in each stage (ingest: every source''s loads, parallel_loads at a time, each file''s own times in loads; stitch; mining with history and flags; report).';
comment on column runs.flags is 'Flags raised; null when journeys were not mined.';
comment on column runs.peak_memory_mb is 'Peak resident memory of the run''s process so far, in MiB.';
comment on column runs.versions is 'JSON: the versions of Python, journeymine and its main dependencies.';
comment on column runs.note is 'Why the run did not mine, or the error it stopped on.';

-- ---------------------------------------------------------------- loads
comment on table loads is 'One row per file and load attempt. Every record read ends in exactly one of events, quarantine or the duplicate count: rows_read = rows_loaded + rows_rejected + rows_duplicate.';
comment on column loads.load_id is 'The load attempt; events and quarantine rows carry it. Numbered in the order of the sources and their files when a run starts; a file found already loaded under another name leaves its number unused.';
comment on column loads.source is 'The configured source the file was read for.';
comment on column loads.file is 'The file''s path.';
comment on column loads.sha256 is 'SHA-256 of the file''s bytes: a file with the hash of a loaded one is skipped, whatever its name.';
comment on column loads.bytes is 'The file''s size in bytes.';
comment on column loads.status is 'loaded, or failed (nothing of the file was kept; it is tried again next run).';
comment on column loads.rows_read is 'Records read from the file (= rows_loaded + rows_rejected + rows_duplicate).';
comment on column loads.rows_loaded is 'Records that became events.';
comment on column loads.rows_rejected is 'Records quarantined, each with its reason.';
comment on column loads.rows_duplicate is 'Records dropped as duplicates, within the file or of an earlier load of the source.';
comment on column loads.error is 'Why a failed load failed; null when it loaded.';
comment on column loads.started_at is 'When the load started (UTC).';
comment on column loads.finished_at is 'When the load finished (UTC).';
comment on column loads.modified_ns is 'The file''s modification time when it was read (nanoseconds since 1970): a file at the same path with the same size and modification time as a loaded one is skipped without hashing it again.';

-- ---------------------------------------------------------------- events
comment on table events is 'One row per accepted event, pseudonymised: identifiers appear only as keyed hashes, free text and URLs redacted.';
comment on column events.event_id is 'The source''s event id, or sha256: + a hash of the record where the source has none (hmac: + a keyed hash where the id held PII).';
comment on column events.source is 'The configured source name.';
comment on column events.channel is 'web, social or chat.';
comment on column events.occurred_at is 'When it happened, UTC (offsets and zones converted).';
comment on column events.customer_id is 'The stitched pseudonymous customer (cus_...), the same in every run on the same data and secret.';
comment on column events.touchpoint is 'The touchpoint from the source''s rules; null: kept, but not a journey step (chat messages, social comments).';
comment on column events.event_name is 'The raw event name (social interaction type, chat message type), redacted.';
comment on column events.session_id is 'Keyed hash of the web session or chat conversation.';
comment on column events.attributes is 'JSON: url, url_path, referrer, user_agent (its class), ip_network, intent, interaction, csat, text (redacted), plus the source''s configured attributes; a key with no value is left out (older loads wrote it as null; ->> gives null either way).';
comment on column events.identity_key is 'Keyed hash of the identifier that ties the event to its customer.';
comment on column events.load_id is 'The load that brought it (join to loads).';
comment on column events.record_no is 'Its line (JSON lines) or data row (CSV: the header is row 0; Parquet) in the file.';

-- ---------------------------------------------------------------- quarantine
comment on table quarantine is 'One row per rejected record, with the first reason that applies; the record keeps no identifier or PII value.';
comment on column quarantine.load_id is 'The load that read it (join to loads).';
comment on column quarantine.source is 'The configured source name.';
comment on column quarantine.file is 'The file''s path.';
comment on column quarantine.record_no is 'Its line (JSON lines) or data row (CSV: the header is row 0; Parquet) in the file.';
comment on column quarantine.raw_record is 'The record as text, identifiers masked and PII redacted.';
comment on column quarantine.reason_code is 'malformed_record, missing_timestamp, bad_timestamp, missing_event_name, missing_identity or unknown_event.';
comment on column quarantine.reason is 'The column, the value found and what is allowed.';
comment on column quarantine.quarantined_at is 'When it was quarantined (UTC).';
comment on column quarantine.record_key is 'Keyed hash of the record: a re-delivered reject is counted as a duplicate.';

-- ---------------------------------------------------------------- customers
comment on table customers is 'One row per stitched customer: a connected component of the identifiers seen together on events, recomputed over all links every run (retroactive).';
comment on column customers.customer_id is 'The stitched pseudonymous customer (cus_...).';
comment on column customers.first_seen_at is 'Their first event (UTC).';
comment on column customers.last_seen_at is 'Their last event (UTC).';
comment on column customers.events is 'Their events, touchpoint or not.';
comment on column customers.touchpoint_events is 'Their events that have a touchpoint (journey steps before repeats are collapsed).';
comment on column customers.channels is 'How many channels they used.';
comment on column customers.identifiers is 'How many identifiers they were stitched from.';
comment on column customers.cookies is 'Of which web cookies.';
comment on column customers.emails is 'Of which emails.';
comment on column customers.handles is 'Of which social handles.';

-- ---------------------------------------------------------------- journey_steps
comment on table journey_steps is 'One row per (journey_id, step): a customer''s touchpoint events in time order, split after the inactivity gap; a touchpoint repeated right after itself is one step.';
comment on column journey_steps.journey_id is 'The journey: customer_id/0001, customer_id/0002, ...';
comment on column journey_steps.customer_id is 'The stitched customer.';
comment on column journey_steps.journey_no is 'The journey''s number among the customer''s journeys (1 = their first).';
comment on column journey_steps.step is 'The step''s position in the journey: 1, 2, ...';
comment on column journey_steps.source is 'The source of the step''s event.';
comment on column journey_steps.event_id is 'The step''s event (join to events on source and event_id).';
comment on column journey_steps.touchpoint is 'The touchpoint.';
comment on column journey_steps.channel is 'The event''s channel: web, social or chat.';
comment on column journey_steps.occurred_at is 'When the step happened (UTC).';
comment on column journey_steps.is_goal is 'The touchpoint is a goal of the designed map.';
comment on column journey_steps.after_goal is 'The step comes after the journey''s first goal (browsing on after a purchase): never a deviation, never a loss.';
comment on column journey_steps.goal_later is 'A goal comes later in the journey, after this step.';
comment on column journey_steps.next_touchpoint is 'The next step''s touchpoint; null at the journey''s last step.';
comment on column journey_steps.seconds_to_next is 'Seconds until the next step; null at the last step.';

-- ---------------------------------------------------------------- journeys
comment on view journeys is 'One row per journey, with its variant and its conformance to the designed map.';
comment on column journeys.journey_id is 'The journey: customer_id/0001, customer_id/0002, ...';
comment on column journeys.customer_id is 'The stitched customer.';
comment on column journeys.started_at is 'Its first step (UTC).';
comment on column journeys.ended_at is 'Its last step (UTC).';
comment on column journeys.events is 'Its steps.';
comment on column journeys.channels is 'How many channels its steps used.';
comment on column journeys.channel_list is 'Those channels, comma-separated in alphabetical order.';
comment on column journeys.entry_touchpoint is 'The touchpoint of its first step.';
comment on column journeys.entry_channel is 'The channel of its first step.';
comment on column journeys.last_touchpoint is 'The touchpoint of its last step.';
comment on column journeys.reached_goal is 'It reached a goal of the designed map.';
comment on column journeys.persona is 'The first persona of the map whose rule it matches, else unassigned.';
comment on column journeys.variant_id is 'Its variant, the distinct touchpoint sequence (join to variants).';
comment on column journeys.conforms is 'It made only designed moves (an undesigned entry counts; moves after its first goal do not).';
comment on column journeys.fitness is 'Token-replay fitness of its variant on the designed map, up to the first goal: 1/2 (1 - missing/consumed) + 1/2 (1 - remaining/produced).';
comment on column journeys.undesigned_moves is 'Moves the map does not design before its first goal, an undesigned entry included.';
comment on column journeys.journey_no is 'Its number among the customer''s journeys (1 = their first; above 1: a returning customer).';

-- ---------------------------------------------------------------- transitions
comment on table transitions is 'One row per observed move (from_touchpoint, to_touchpoint), with the synthetic nodes __start__ and __end__: the empirical journey graph (directly-follows), every move counted, moves after a goal included.';
comment on column transitions.from_touchpoint is 'Where the move starts (__start__: the journey''s entry).';
comment on column transitions.to_touchpoint is 'Where it goes (__end__: the journey ended).';
comment on column transitions.occurrences is 'How many times the move was made.';
comment on column transitions.journeys is 'Journeys that made it at least once.';
comment on column transitions.median_seconds is 'Median seconds between the two steps.';
comment on column transitions.p90_seconds is '90th percentile of the seconds between the two steps.';
comment on column transitions.designed is 'The designed map has the move (an entry: at an entry touchpoint; an ending: always).';
comment on column transitions.after_goal_journeys is 'Journeys that made the move after their first goal (not a deviation).';

-- ---------------------------------------------------------------- variants
comment on table variants is 'One row per variant: a distinct touchpoint sequence, with its token replay on the designed map up to its first goal.';
comment on column variants.variant_id is 'The variant (a hash of its sequence).';
comment on column variants.sequence is 'Its touchpoints in order: a > b > c.';
comment on column variants.steps is 'Its steps.';
comment on column variants.replay_sequence is 'The sequence up to its first goal: what is replayed on the map (browsing on after a goal is not a deviation).';
comment on column variants.replay_steps is 'The steps of replay_sequence.';
comment on column variants.journeys is 'Journeys that followed it.';
comment on column variants.journey_share is 'Its journeys / all journeys.';
comment on column variants.goal_rate is 'Share of its journeys that reached a goal.';
comment on column variants.conforms is 'It makes only designed moves before its first goal.';
comment on column variants.fitness is 'Token-replay fitness: 1/2 (1 - missing/consumed) + 1/2 (1 - remaining/produced).';
comment on column variants.missing_tokens is 'Token replay: tokens missing.';
comment on column variants.consumed_tokens is 'Token replay: tokens consumed.';
comment on column variants.remaining_tokens is 'Token replay: tokens remaining.';
comment on column variants.produced_tokens is 'Token replay: tokens produced.';
comment on column variants.variant_rank is 'Its rank by journeys (1 = the most common).';

-- ---------------------------------------------------------------- touchpoint_stats
comment on table touchpoint_stats is 'One row per (segment, segment_value, level, node): what journeys did after they first reached a touchpoint or a stage, overall and per segment. Only steps up to a journey''s first goal count. Each rate has its Wilson 95% interval (_low, _high).';
comment on column touchpoint_stats.segment is 'all, entry_channel, persona, or attribute:<name> for each configured segment attribute.';
comment on column touchpoint_stats.segment_value is 'The segment''s value (all for segment all; (none) for journeys without the attribute).';
comment on column touchpoint_stats.level is 'touchpoint or stage.';
comment on column touchpoint_stats.node is 'The touchpoint or the stage.';
comment on column touchpoint_stats.stage is 'The stage of the touchpoint (for a stage: itself); null for a touchpoint the map lacks.';
comment on column touchpoint_stats.stage_order is 'The stage''s position in the map (1 = first).';
comment on column touchpoint_stats.in_map is 'A touchpoint of the designed map (false for stages and unknown touchpoints).';
comment on column touchpoint_stats.is_goal is 'A goal of the designed map.';
comment on column touchpoint_stats.visits is 'Visits, repeat visits within a journey included.';
comment on column touchpoint_stats.journeys is 'Journeys that reached it.';
comment on column touchpoint_stats.exits is 'Journeys whose last step is here, without a goal.';
comment on column touchpoint_stats.exit_rate is 'Exit rate: exits / journeys. Not the drop-off rate.';
comment on column touchpoint_stats.exit_rate_low is 'Wilson 95% interval of exit_rate: lower bound.';
comment on column touchpoint_stats.exit_rate_high is 'Wilson 95% interval of exit_rate: upper bound.';
comment on column touchpoint_stats.drop_offs is 'Journeys that reached it and then reached neither a designed successor (for a stage: a later stage) nor a goal. Null for goals and where the map designs no way on.';
comment on column touchpoint_stats.drop_off_rate is 'Drop-off rate: drop_offs / journeys.';
comment on column touchpoint_stats.drop_off_rate_low is 'Wilson 95% interval of drop_off_rate: lower bound.';
comment on column touchpoint_stats.drop_off_rate_high is 'Wilson 95% interval of drop_off_rate: upper bound.';
comment on column touchpoint_stats.goal_journeys is 'Journeys that reached a goal after their first visit here.';
comment on column touchpoint_stats.goal_rate is 'Goal rate: goal_journeys / journeys (goals reached after it).';
comment on column touchpoint_stats.goal_rate_low is 'Wilson 95% interval of goal_rate: lower bound.';
comment on column touchpoint_stats.goal_rate_high is 'Wilson 95% interval of goal_rate: upper bound.';
comment on column touchpoint_stats.continued is 'Journeys that went on to a designed successor (for a stage: a later stage).';
comment on column touchpoint_stats.continued_goal_rate is 'Goal rate of the journeys that continued: goals after it / continued.';
comment on column touchpoint_stats.median_seconds_to_next is 'Median seconds from a step here to the next step (touchpoints only).';

-- ---------------------------------------------------------------- stage_funnel
comment on table stage_funnel is 'One row per (segment, segment_value, stage): journeys reaching each stage of the map. A journey counts for every stage up to the furthest it got, so the funnel never grows.';
comment on column stage_funnel.segment is 'all, entry_channel, persona, or attribute:<name>.';
comment on column stage_funnel.segment_value is 'The segment''s value (all for segment all).';
comment on column stage_funnel.stage is 'The stage.';
comment on column stage_funnel.stage_order is 'Its position in the map (1 = first).';
comment on column stage_funnel.emotion is 'The emotion the map gives the stage, if any.';
comment on column stage_funnel.journeys_reached is 'Journeys that got at least this far.';
comment on column stage_funnel.journeys_entered is 'Journeys of the segment with a step in the map: the funnel''s entrants.';
comment on column stage_funnel.overall_conversion_rate is 'Overall conversion: journeys_reached / journeys_entered.';
comment on column stage_funnel.relative_conversion_rate is 'Relative conversion: journeys_reached / journeys_reached at the previous stage (null at the first).';
comment on column stage_funnel.relative_conversion_rate_low is 'Wilson 95% interval of relative_conversion_rate: lower bound.';
comment on column stage_funnel.relative_conversion_rate_high is 'Wilson 95% interval of relative_conversion_rate: upper bound.';

-- ---------------------------------------------------------------- conformance
comment on table conformance is 'One row: how well this run''s journeys conform to the designed map. Moves after a journey''s first goal are not deviations.';
comment on column conformance.journeys is 'Journeys mined.';
comment on column conformance.variants is 'Their distinct touchpoint sequences.';
comment on column conformance.transition_fitness is 'Share of observed moves (entries included, endings and moves after a goal not) that are designed, weighted by frequency.';
comment on column conformance.design_coverage is 'Share of designed transitions observed at least once.';
comment on column conformance.conforming_journey_rate is 'Share of journeys making only designed moves.';
comment on column conformance.conforming_journey_rate_low is 'Wilson 95% interval of conforming_journey_rate: lower bound.';
comment on column conformance.conforming_journey_rate_high is 'Wilson 95% interval of conforming_journey_rate: upper bound.';
comment on column conformance.token_replay_fitness is 'Token-replay fitness over all journeys: 1/2 (1 - missing/consumed) + 1/2 (1 - remaining/produced), variants weighted by their journeys.';
comment on column conformance.designed_transitions is 'Transitions the map designs.';
comment on column conformance.designed_transitions_observed is 'Of which observed at least once.';
comment on column conformance.goal_steps is 'Goal steps in all journeys.';
comment on column conformance.goals_before_predecessor is 'Goal steps followed right away by one of the goal''s designed predecessors: a sign of coarse or out-of-order timestamps.';

-- ---------------------------------------------------------------- deviations
comment on table deviations is 'One row per deviation from the designed map: an undesigned transition taken, or a designed transition never or rarely taken. Moves after a journey''s first goal are not deviations and are not counted.';
comment on column deviations.kind is 'undesigned, designed_never or designed_rare (taken by fewer than mining.rare_share of the journeys visiting its source).';
comment on column deviations.from_touchpoint is 'Where the transition starts (__start__: an entry).';
comment on column deviations.to_touchpoint is 'Where it goes.';
comment on column deviations.occurrences is 'How many times it was taken.';
comment on column deviations.journeys is 'Journeys that took it.';
comment on column deviations.source_share is 'Journeys taking it / journeys visiting its source.';
comment on column deviations.example_journey_id is 'One journey that took it (join to journeys, journey_steps).';

-- ---------------------------------------------------------------- flags
comment on table flags is 'One row per flag: where customers drop off, hit dead ends, loop or take undesigned paths, tested with false-discovery control and ranked by the goal completions it costs. out/flags.csv has the same columns plus the map''s touchpoint_label and stage.';
comment on column flags.rank is 'Rank by lost_goal_completions over all flags (1 = the costliest).';
comment on column flags.rank_in_kind is 'Rank by lost_goal_completions within its kind.';
comment on column flags.kind is 'drop_off, dead_end, loop, undesigned_transition, unvisited_touchpoint, unknown_touchpoint, regression or improvement.';
comment on column flags.subject is 'What it is about: a touchpoint, a cycle (a <-> b) or a move (a -> b).';
comment on column flags.touchpoint is 'Where the problem is located: the touchpoint, a cycle''s first touchpoint in the map, an undesigned move''s source.';
comment on column flags.from_touchpoint is 'An undesigned move''s source.';
comment on column flags.to_touchpoint is 'An undesigned move''s target.';
comment on column flags.cycle is 'A loop''s touchpoints, in order.';
comment on column flags.segment is 'Whom it is about: all, or the segment where alone it is significant (entry_channel, persona, attribute:<name>).';
comment on column flags.segment_value is 'The segment''s value (all for everyone).';
comment on column flags.metric is 'The name of the rate in value: drop_off_rate, goal_rate, loop_rate, source_share, or journeys.';
comment on column flags.value is 'The observed value of metric.';
comment on column flags.ci_low is 'Wilson 95% interval of value: lower bound.';
comment on column flags.ci_high is 'Wilson 95% interval of value: upper bound.';
comment on column flags.threshold is 'The target it was judged against, from map_targets.';
comment on column flags.baseline is 'What value is held against: the target, or the comparison group''s rate (its stage, the other journeys).';
comment on column flags.p_value is 'The p-value of its test.';
comment on column flags.q_value is 'Its Benjamini-Hochberg adjusted p-value over every test of the run.';
comment on column flags.journeys is 'Journeys it was judged over.';
comment on column flags.journeys_affected is 'Journeys concerned (dropped off, looped, took the move...).';
comment on column flags.lost_goal_completions is 'Estimated lost goal completions: journeys affected x (expected goal rate - observed goal rate).';
comment on column flags.concentrated_segment is 'The segment where its rate is worst, tested against the rest.';
comment on column flags.concentrated_value is 'That segment''s value.';
comment on column flags.concentrated_rate is 'The rate in that segment value.';
comment on column flags.concentrated_rest_rate is 'The rate in the rest of the journeys.';
comment on column flags.concentrated_p_value is 'The p-value of that segment value against the rest.';
comment on column flags.related is 'Findings merged into this one as the same problem (a loop''s undesigned moves, a drop-off''s undesigned exits).';
comment on column flags.evidence is 'The finding in a sentence, with its counts, rate, interval and target.';
comment on column flags.flagged_at is 'When the run raised it (UTC).';
comment on column flags.first_date is 'A regression or improvement: its first day (null for the other kinds).';
comment on column flags.last_date is 'A regression or improvement: its last day (the last day with data while it goes on).';

-- ---------------------------------------------------------------- time
comment on table touchpoint_history is 'One row per (grain, period_start, segment, segment_value, level, node): a touchpoint''s or stage''s counts per day and per ISO week, kept across runs. A journey belongs to the period in which it first reached the node (before its first goal); a run rewrites only the periods whose numbers changed.';
comment on column touchpoint_history.grain is 'day, or week (ISO, from Monday).';
comment on column touchpoint_history.period_start is 'The day, or the Monday of the week.';
comment on column touchpoint_history.segment is 'all, entry_channel, persona, or attribute:<name>.';
comment on column touchpoint_history.segment_value is 'The segment''s value (all for segment all).';
comment on column touchpoint_history.level is 'touchpoint or stage.';
comment on column touchpoint_history.node is 'The touchpoint or the stage.';
comment on column touchpoint_history.journeys is 'Journeys that first reached the node in the period.';
comment on column touchpoint_history.drop_offs is 'Of them, journeys that then reached neither a designed successor nor a goal.';
comment on column touchpoint_history.exits is 'Of them, journeys whose last step is the node, without a goal.';
comment on column touchpoint_history.goal_journeys is 'Of them, journeys that reached a goal afterwards.';
comment on column touchpoint_history.continued is 'Of them, journeys that went on to a designed successor.';
comment on column touchpoint_history.continued_goal_journeys is 'Of those that continued, journeys that reached a goal afterwards.';
comment on column touchpoint_history.computed_at is 'When this period''s numbers were last rewritten (UTC).';

comment on view touchpoint_trend is 'touchpoint_history with its rates: one row per (grain, period_start, segment, segment_value, level, node).';
comment on column touchpoint_trend.grain is 'day, or week (ISO, from Monday).';
comment on column touchpoint_trend.period_start is 'The day, or the Monday of the week.';
comment on column touchpoint_trend.segment is 'all, entry_channel, persona, or attribute:<name>.';
comment on column touchpoint_trend.segment_value is 'The segment''s value (all for segment all).';
comment on column touchpoint_trend.level is 'touchpoint or stage.';
comment on column touchpoint_trend.node is 'The touchpoint or the stage.';
comment on column touchpoint_trend.journeys is 'Journeys that first reached the node in the period.';
comment on column touchpoint_trend.drop_off_rate is 'Drop-off rate: drop_offs / journeys (neither a designed successor nor a goal afterwards).';
comment on column touchpoint_trend.exit_rate is 'Exit rate: exits / journeys.';
comment on column touchpoint_trend.goal_rate is 'Goal rate: journeys that reached a goal afterwards / journeys.';
comment on column touchpoint_trend.computed_at is 'When this period''s numbers were last rewritten (UTC).';

comment on table flag_trends is 'One row per (flag rank, week): each flag''s weekly series for its touchpoint (or stage) and segment, the rate it is about and the journeys behind it.';
comment on column flag_trends.rank is 'The flag (join to flags on rank).';
comment on column flag_trends.kind is 'The flag''s kind.';
comment on column flag_trends.subject is 'The flag''s subject.';
comment on column flag_trends.week_start is 'The Monday of the week.';
comment on column flag_trends.metric is 'The rate: drop_off_rate, exit_rate or goal_rate (the goal rate for loops and undesigned moves).';
comment on column flag_trends.journeys is 'Journeys that first reached the node that week.';
comment on column flag_trends.rate is 'The rate that week; null without journeys.';

-- ---------------------------------------------------------------- map_suggestions
comment on table map_suggestions is 'One row per undesigned move taken often enough whose journeys reach a goal as often as or more often than the others from its source: evidence the map is out of date, not a problem.';
comment on column map_suggestions.from_touchpoint is 'The move''s source.';
comment on column map_suggestions.to_touchpoint is 'The move''s target.';
comment on column map_suggestions.journeys is 'Journeys at its source that took it.';
comment on column map_suggestions.source_share is 'Journeys taking it / journeys visiting its source.';
comment on column map_suggestions.goal_rate is 'Goal rate of the journeys taking it (goals after the move''s source).';
comment on column map_suggestions.others_goal_rate is 'Goal rate of the other journeys at its source.';
comment on column map_suggestions.difference_low is '95% interval of goal_rate - others_goal_rate: lower bound.';
comment on column map_suggestions.difference_high is '95% interval of goal_rate - others_goal_rate: upper bound.';
comment on column map_suggestions.p_value is 'Two-sided test of goal_rate against others_goal_rate.';
comment on column map_suggestions.evidence is 'The suggestion in a sentence.';

-- ---------------------------------------------------------------- the designed map
comment on table map_stages is 'One row per stage of the designed map, in order.';
comment on column map_stages.stage is 'The stage id.';
comment on column map_stages.label is 'Its label.';
comment on column map_stages.stage_order is 'Its position (1 = first).';
comment on column map_stages.emotion is 'How the customer feels there, as the map says; null when it does not.';

comment on table map_touchpoints is 'One row per touchpoint of the designed map.';
comment on column map_touchpoints.touchpoint is 'The touchpoint id.';
comment on column map_touchpoints.touchpoint_order is 'Its position in the map (1 = first): a cycle is named from its earliest touchpoint.';
comment on column map_touchpoints.label is 'Its label.';
comment on column map_touchpoints.stage is 'Its stage.';
comment on column map_touchpoints.stage_order is 'Its stage''s position (1 = first).';
comment on column map_touchpoints.channel is 'web, social or chat.';
comment on column map_touchpoints.is_entry is 'A designed entry: journeys are meant to start here.';
comment on column map_touchpoints.is_goal is 'A goal (purchase, renewal, resolved issue...).';
comment on column map_touchpoints.goal_reachable is 'The designed map leads from it to some goal (false: a dead end by design).';

comment on table map_transitions is 'One row per designed move (stage:<id> shorthands and lists expanded).';
comment on column map_transitions.from_touchpoint is 'Where the designed move starts.';
comment on column map_transitions.to_touchpoint is 'Where it goes.';

comment on table map_targets is 'One row per touchpoint of the map: the targets flags are judged against, looked up on the touchpoint, then its stage, then the defaults, then the built-in values.';
comment on column map_targets.touchpoint is 'The touchpoint.';
comment on column map_targets.max_drop_off_rate is 'A drop_off flag when the drop-off rate is surely above it.';
comment on column map_targets.dead_end_goal_rate is 'A dead_end flag when the goal rate is surely below it.';
comment on column map_targets.max_loop_rate is 'A loop flag when the share of journeys going back and forth is surely above it.';
comment on column map_targets.max_undesigned_share is 'An undesigned_transition flag when the share of the source''s journeys taking the move is surely above it.';

comment on table map_personas is 'One row per persona rule of the map, in order: a journey gets the first persona whose conditions all hold, else unassigned.';
comment on column map_personas.rule_no is 'The rule''s position (1 = tried first).';
comment on column map_personas.persona is 'The persona id.';
comment on column map_personas.entry_channel is 'Condition: the journey''s entry channel (null: any).';
comment on column map_personas.entry_touchpoint is 'Condition: the journey''s entry touchpoint (null: any).';
comment on column map_personas.visits is 'Condition: the journey visits this touchpoint (null: any).';
comment on column map_personas.returning is 'Condition: a returning customer''s journey (journey_no > 1), or a first one (null: any).';
comment on column map_personas.attribute is 'Condition: an event of the journey has this attribute equal to equals (null: any).';
comment on column map_personas.equals is 'The value attribute must have.';

-- ---------------------------------------------------------------- jm_internal: not for analysts
comment on table jm_internal.identity_edges is 'Internal. One row per pair of identifiers (keyed hashes) seen on the same event and stitched: the graph stitching reads, with the links queued in unstitched_edges. An incremental stitch leaves out a pair whose two identifiers were one customer already (it adds nothing to the graph).';
comment on table jm_internal.customer_map is 'Internal. One row per identifier node: the customer it belongs to.';
comment on table jm_internal.int_journeys is 'Internal. One row per journey before its replay fitness is known (journeys adds it).';
comment on table jm_internal.int_variants is 'Internal. One row per variant before token replay (variants adds it).';
comment on view jm_internal.int_journey_segments is 'Internal. One row per (journey_id, segment): the segments a journey is counted in, those of its segment profile (int_journey_profiles, int_profile_segments).';
comment on table jm_internal.int_journey_profiles is 'Internal. One row per journey: its segment profile (the combination of segment values it counts in); additive counts per segment are summed per profile first.';
comment on table jm_internal.int_profile_segments is 'Internal. One row per (profile, segment): the segments the journeys of a segment profile count in.';
comment on table jm_internal.int_transition_counts is 'Internal. One row per (from_touchpoint, to_touchpoint) moved: occurrences, journeys, after-goal journeys, undesigned moves and moves before a goal over all journeys, which transitions and deviations read; a night subtracts its rebuilt journeys'' old counts and adds their new ones.';
comment on table jm_internal.int_move_seconds is 'Internal. One row per (from_touchpoint, to_touchpoint, seconds): how many moves took that long, over all journeys; transitions takes its median and p90 from these value counts. Kept like int_transition_counts.';
comment on table jm_internal.int_node_counts is 'Internal. One row per (profile, level, node) visited: the additive counts touchpoint_stats rates and the dead_end and undesigned_transition rules test, per segment profile, over all journeys. Kept like int_transition_counts.';
comment on table jm_internal.int_next_seconds is 'Internal. One row per (profile, touchpoint, seconds_to_next): how many steps took that long to the next, over all journeys; touchpoint_stats takes its median from these value counts. Kept like int_transition_counts.';
comment on table jm_internal.int_undesigned_counts is 'Internal. One row per (profile, from_touchpoint, to_touchpoint) of an undesigned move taken before a goal: the journeys taking it and their goals after the move and after its source, over all journeys, which the undesigned_transition rule reads. Kept like int_transition_counts.';
comment on table jm_internal.int_profile_journeys is 'Internal. One row per segment profile: its journeys and those that reached a goal, over all journeys (deviations and the undesigned_transition rule read it). Kept like int_transition_counts.';
comment on table jm_internal.int_stage_reach is 'Internal. One row per (profile, furthest_stage): the journeys that got that far in the map, per segment profile, over all journeys; stage_funnel reads it. Kept like int_transition_counts.';
comment on table jm_internal.int_cycle_repeats is 'Internal. One row per (cycle, first_touchpoint, profile) of a rework cycle with an undesigned move: the journeys that went round it and those reaching a goal after its first touchpoint, over all journeys; the loop rule reads it. Kept like int_transition_counts.';
comment on table jm_internal.int_cycle_touchpoints is 'Internal. One row per (cycle, touchpoint) of a rework cycle with an undesigned move: the touchpoints it passes (rounds: how many rounds passed each). Kept like int_transition_counts.';
comment on table jm_internal.int_period_counts is 'Internal. One row per (profile, day, level, node) visited: the journeys that first reached the touchpoint (or stage) that day before their first goal, and of them the drop-offs, exits, goal journeys and those that went on, over all journeys; touchpoint_history sums them per day and ISO week. Kept like int_transition_counts.';
comment on table jm_internal.int_start_counts is 'Internal. One row per (profile, started_on, level, node) visited: the journeys that started that day, of that segment profile, and visited the touchpoint (or stage) before their first goal, and of them the drop-offs and the goal journeys after it, over all journeys; `journeymine compare` sums them over a group''s days and its segment''s profiles. Kept like int_transition_counts.';
comment on table jm_internal.int_visit_sets is 'Internal. One row per (visited_set, profile, touchpoint): journeys with that sorted list of touchpoints visited before their first goal, and those reaching a goal after the touchpoint, over all journeys; the loop rule judges exposure to a cycle from it. Kept like int_transition_counts.';
comment on table jm_internal.int_report_counts is 'Internal. One row per (started_on, profile, kind, subject, object): the journeys that started that day, of that segment profile, that visited a touchpoint, made a move, used a channel, reached a stage or used one of its chat touchpoints (kind), and of them the goal and conforming journeys, over all journeys; the drop-off report sums them over its days and segment. Kept like int_transition_counts.';
comment on table jm_internal.unstitched_edges is 'Internal. One row per identity link loaded since the last stitch (once, though it may be a link stitched before): where the next (incremental) stitch starts. The stitch files the new ones into identity_edges and empties it.';
comment on table jm_internal.pending_customers is 'Internal. One row per customer and stitch that changed the customer''s events (new, or re-pointed by stitching) since journeys were last built: whose journeys the next analysis rebuilds, from the journey that the earliest of those events (since) can change on, or all of them when since is null; lost_events: some of them left the customer for another.';
comment on table jm_internal.build_state is 'Internal. What the journeys were built with (a fingerprint of the map, the journey settings and the per-journey models): a different one makes the next run rebuild every journey.';
comment on table jm_internal.variant_replay is 'Internal. One row per variant: its token replay on the designed map (map_fingerprint), kept so a night replays only variants new on this map.';
