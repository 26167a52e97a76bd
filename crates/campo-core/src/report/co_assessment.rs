//! The co-assessment section: barriers counted from their chains, and the plan of
//! co-assessments checked against the ones held.

use super::{
    BarrierCount, EffectCounts, PlanState, PlannedCoAssessment, RaisedByCounts, RoleTotals, Stage,
    StageCounts, StatusCounts, Targets,
};
use crate::barrier::{Chain, CAUSES};
use crate::domain::{Activity, Meeting};
use chrono::{Days, Months, NaiveDate};

/// Barriers per cause (in the barrier log's order of causes, an unknown code after them,
/// by code), by who raised them and by effect.
pub(crate) fn barrier_counts(
    chains: &[Chain],
) -> (Vec<BarrierCount>, RaisedByCounts, EffectCounts) {
    let mut by_cause: Vec<BarrierCount> = Vec::new();
    let mut raised_by = RaisedByCounts::default();
    let mut effect = EffectCounts::default();
    for chain in chains {
        // A first submission always answers the cause (it is required); one that does not
        // is still a barrier, counted under "other" rather than lost.
        let cause = chain.cause().unwrap_or("other");
        let entry = match by_cause.iter_mut().position(|b| b.cause == cause) {
            Some(i) => &mut by_cause[i],
            None => {
                by_cause.push(BarrierCount {
                    cause: cause.to_string(),
                    total: 0,
                    by_stage: StageCounts::default(),
                    by_status: StatusCounts::default(),
                });
                by_cause.last_mut().expect("just pushed")
            }
        };
        entry.total += 1;
        match chain.stage() {
            Some("before") => entry.by_stage.before += 1,
            Some("during") => entry.by_stage.during += 1,
            Some("after") => entry.by_stage.after += 1,
            _ => {}
        }
        match chain.status() {
            None => entry.by_status.open += 1,
            Some("planned") => entry.by_status.planned += 1,
            Some("done") => entry.by_status.done += 1,
            Some("not_possible") => entry.by_status.not_possible += 1,
            Some(_) => {}
        }
        match chain.raised_by() {
            Some("carer") => raised_by.carer += 1,
            Some("provider") => raised_by.provider += 1,
            Some("researcher") => raised_by.researcher += 1,
            _ => {}
        }
        match chain.effect() {
            Some("none_yet") => effect.none_yet += 1,
            Some("value_diminished") => effect.value_diminished += 1,
            Some("irreparable_loss") => effect.irreparable_loss += 1,
            _ => {}
        }
    }
    let rank = |cause: &str| {
        CAUSES
            .iter()
            .position(|c| *c == cause)
            .unwrap_or(CAUSES.len())
    };
    by_cause.sort_by(|a, b| (rank(&a.cause), &a.cause).cmp(&(rank(&b.cause), &b.cause)));
    (by_cause, raised_by, effect)
}

/// Who took part in the held co-assessments that recorded it.
pub(crate) fn role_totals(meetings: &[&Meeting]) -> RoleTotals {
    let mut totals = RoleTotals::default();
    for m in meetings
        .iter()
        .filter(|m| m.activity == Activity::CoAssessment && m.is_held())
    {
        if let Some(roles) = &m.attendance.roles {
            totals.carers += u64::from(roles.carers);
            totals.provider_staff += u64::from(roles.provider_staff);
            totals.researchers += u64::from(roles.researchers);
        }
    }
    totals
}

/// The windows co-assessments are due in: the month before the pilot (up to the day
/// before it starts), each period of `co_assessment_every_months` from its first day (the
/// last cut at its end), and the month after it (from the day after it ends). None without
/// both of the pilot's dates.
pub(crate) fn plan_windows(targets: &Targets) -> Vec<(Stage, NaiveDate, NaiveDate)> {
    let (Some(start), Some(end)) = (targets.pilot_start, targets.pilot_end) else {
        return Vec::new();
    };
    if end < start {
        return Vec::new();
    }
    let mut out = Vec::new();
    if let (Some(from), Some(to)) = (
        start.checked_sub_months(Months::new(1)),
        start.checked_sub_days(Days::new(1)),
    ) {
        out.push((Stage::Before, from, to));
    }
    let every = targets.co_assessment_every_months;
    if every > 0 {
        let after = |k: u32| {
            k.checked_mul(every)
                .and_then(|months| start.checked_add_months(Months::new(months)))
        };
        let mut k: u32 = 0;
        while let Some(from) = after(k).filter(|from| *from <= end) {
            let next = after(k + 1);
            let to = next
                .and_then(|n| n.checked_sub_days(Days::new(1)))
                .map_or(end, |t| t.min(end));
            out.push((Stage::During, from, to));
            k += 1;
        }
    }
    if let (Some(from), Some(to)) = (
        end.checked_add_days(Days::new(1)),
        end.checked_add_months(Months::new(1)),
    ) {
        out.push((Stage::After, from, to));
    }
    out
}

/// Each due co-assessment's state as of `as_of`: done when a co-assessment was held in
/// its window (whenever it was recorded), missing when the window ended before `as_of`
/// without one, not yet due otherwise.
pub(crate) fn plan(
    targets: &Targets,
    meetings: &[&Meeting],
    as_of: NaiveDate,
) -> Vec<PlannedCoAssessment> {
    let mut held: Vec<NaiveDate> = meetings
        .iter()
        .filter(|m| m.activity == Activity::CoAssessment && m.is_held())
        .map(|m| m.date)
        .collect();
    held.sort_unstable();
    plan_windows(targets)
        .into_iter()
        .map(|(stage, from, to)| {
            let held_on = held.iter().copied().find(|d| (from..=to).contains(d));
            let state = match held_on {
                Some(_) => PlanState::Done,
                None if to < as_of => PlanState::Missing,
                None => PlanState::NotYetDue,
            };
            PlannedCoAssessment {
                stage,
                from,
                to,
                state,
                held_on,
            }
        })
        .collect()
}
