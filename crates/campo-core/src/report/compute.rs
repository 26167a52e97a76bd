//! Computing the report in one pass over the submissions.
//!
//! Built for a season's worth of records from many devices (the benchmark runs 1,000,000
//! submissions): meetings are indexed by id once, each instrument version is looked up in
//! the catalog and prepared for scoring once, and the pass over submissions allocates
//! nothing but the pre/post pairing slots. Sums run in input order, so the same records
//! give the same figures to the last bit on the tablet and on the server.

use super::co_assessment::{barrier_counts, plan, role_totals};
use super::signals::{signals, SignalInput};
use super::targets::{Check, Targets};
use super::{
    Cancellation, CoAssessmentReport, CommitteeReport, Counters, Distribution, GoalState,
    GoalsEvaluation, Ignored, Level, Mean, MeetingCounts, OutreachReport, PeerReport, Period,
    PeriodCounters, QuizReport, Report, ReportInput, Totals, TrainingReport,
};
use crate::barrier::{chains, BARRIER_LOG};
use crate::catalog::Catalog;
use crate::domain::{Activity, Meeting, MeetingStatus, Outreach, Phase, Submission};
use crate::instrument::{Instrument, ItemType, Scoring};
use crate::score::Scorer;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use foldhash::{HashMap, HashMapExt, HashSet};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The report as of the date of the latest meeting in the input (else the pilot's start):
/// a pure function of the records, for callers that have no date of their own. A report
/// for today is `compute_as_of` with today's date.
pub fn compute(input: &ReportInput, catalog: &Catalog, targets: &Targets) -> Report {
    let as_of = input
        .meetings
        .iter()
        .map(|m| m.date)
        .max()
        .or(targets.pilot_start)
        .unwrap_or_default();
    compute_as_of(input, catalog, targets, as_of)
}

/// The report, with the co-assessment plan's states and the signals as of `as_of`. Every
/// other figure is over the whole input.
pub fn compute_as_of(
    input: &ReportInput,
    catalog: &Catalog,
    targets: &Targets,
    as_of: NaiveDate,
) -> Report {
    let meetings = current_meetings(&input.meetings);
    let mut report = services(
        &meetings,
        &input.submissions,
        &input.outreach,
        catalog,
        targets,
    );

    let upto: Vec<&Meeting> = meetings
        .iter()
        .copied()
        .filter(|m| m.date <= as_of)
        .collect();
    let month = format!("{:04}-{:02}", as_of.year(), as_of.month());
    let later_outreach = input.outreach.iter().any(|o| o.period > month);
    // The signals read the service figures as they stood at `as_of`; when nothing in the
    // input is later, those are the report's own.
    let earlier;
    let services_then = if upto.len() == meetings.len() && !later_outreach {
        &report
    } else {
        let outreach_then: Vec<Outreach> = input
            .outreach
            .iter()
            .filter(|o| o.period <= month)
            .cloned()
            .collect();
        earlier = services(&upto, &input.submissions, &outreach_then, catalog, targets);
        &earlier
    };

    let plan = plan(targets, &meetings, as_of);
    let signals = signals(&SignalInput {
        as_of,
        meetings: &upto,
        services: services_then,
        targets,
        plan: &plan,
    });
    report.co_assessment.as_of = as_of;
    report.co_assessment.plan = plan;
    report.co_assessment.signals = signals;
    report
}

/// Every figure but the plan and the signals.
fn services(
    meetings: &[&Meeting],
    submissions: &[Submission],
    outreach_entries: &[Outreach],
    catalog: &Catalog,
    targets: &Targets,
) -> Report {
    let index: HashMap<Uuid, &Meeting> = meetings.iter().map(|m| (m.id, *m)).collect();

    let mut pass = Pass::new(catalog, submissions);
    for submission in submissions {
        pass.add(submission, &index);
    }

    let service_meetings: Vec<&Meeting> = meetings
        .iter()
        .copied()
        .filter(|m| m.activity.is_service())
        .collect();
    let period = period(&service_meetings);
    let months = targets
        .fixed_months()
        .unwrap_or_else(|| period.as_ref().map_or(0, months_spanned));

    let training_meetings = meeting_counts(meetings, Activity::TrainingCourse);
    let peer_meetings = meeting_counts(meetings, Activity::PeerGroup);
    let committee_meetings = meeting_counts(meetings, Activity::Committee);

    let (understanding, pre, gain, quizzes) = pass.quiz_figures(catalog);
    let training_satisfaction =
        Mean::from_sum(pass.training_satisfaction.0, pass.training_satisfaction.1);
    let training = TrainingReport {
        cadence: Check::at_least(
            training_meetings.held,
            u64::from(targets.courses_per_month) * u64::from(months),
        ),
        understanding_out_of: training_meetings.attendances,
        understanding_check: Check::above(understanding.mean, targets.understanding_min),
        satisfaction_check: Check::above(training_satisfaction.mean, targets.satisfaction_min),
        meetings: training_meetings,
        understanding,
        pre,
        gain,
        satisfaction: training_satisfaction,
        quizzes,
    };

    let peer_distribution = pass.peer_distribution();
    let peer = PeerReport {
        cadence: Check::at_least(
            peer_meetings.held,
            u64::from(targets.peer_meetings_per_month) * u64::from(months),
        ),
        satisfaction_check: Check::above(peer_distribution.mean, targets.satisfaction_min),
        satisfaction: peer_distribution,
        meetings: peer_meetings,
    };

    let committee = CommitteeReport {
        meetings: committee_meetings,
        evaluations: pass.evaluations,
        latest: pass
            .latest_evaluation
            .as_ref()
            .map(|c| goals_evaluation(c, &pass.scorers[c.scorer])),
    };

    let totals = totals(&service_meetings, &pass, targets);

    let replaced_by: HashMap<Uuid, Uuid> = submissions
        .iter()
        .filter_map(|s| Some((s.replaces?, s.id)))
        .collect();
    let barriers = chains(&pass.barrier_log, &replaced_by);
    let mut ignored = pass.ignored.clone();
    ignored.follow_up_without_barrier = barriers.orphans;
    let (by_cause, by_raised_by, by_effect) = barrier_counts(&barriers.chains);
    let co_assessment = CoAssessmentReport {
        as_of: NaiveDate::default(),
        meetings: meeting_counts(meetings, Activity::CoAssessment),
        roles: role_totals(meetings),
        total: barriers.chains.len() as u64,
        follow_ups: barriers.chains.iter().map(|c| c.follow_ups).sum(),
        barriers: by_cause,
        by_raised_by,
        by_effect,
        plan: Vec::new(),
        signals: Vec::new(),
    };

    Report {
        period,
        months,
        targets: targets.clone(),
        training,
        peer,
        committee,
        totals,
        outreach: outreach(outreach_entries),
        co_assessment,
        ignored,
    }
}

/// The highest revision of each meeting. The input should hold current revisions only;
/// if a caller passes several, the report still counts each meeting once.
fn current_meetings(all: &[Meeting]) -> Vec<&Meeting> {
    let mut position: HashMap<Uuid, usize> = HashMap::with_capacity(all.len());
    let mut current: Vec<&Meeting> = Vec::with_capacity(all.len());
    for m in all {
        match position.get(&m.id) {
            Some(&i) if current[i].revision >= m.revision => {}
            Some(&i) => current[i] = m,
            None => {
                position.insert(m.id, current.len());
                current.push(m);
            }
        }
    }
    current
}

fn period(meetings: &[&Meeting]) -> Option<Period> {
    let first = meetings.iter().map(|m| m.date).min()?;
    let last = meetings.iter().map(|m| m.date).max()?;
    Some(Period { first, last })
}

fn months_spanned(p: &Period) -> u32 {
    let index = |d: NaiveDate| d.year() * 12 + d.month0() as i32;
    (index(p.last) - index(p.first) + 1) as u32
}

fn meeting_counts(meetings: &[&Meeting], activity: Activity) -> MeetingCounts {
    let mut counts = MeetingCounts::default();
    for m in meetings.iter().filter(|m| m.activity == activity) {
        match &m.status {
            MeetingStatus::Planned => counts.planned += 1,
            MeetingStatus::Held => {
                counts.held += 1;
                counts.attendances += u64::from(m.attendance.total());
            }
            MeetingStatus::Cancelled { reason } => counts.cancelled.push(Cancellation {
                meeting_id: m.id,
                date: m.date,
                reason: reason.clone(),
            }),
        }
    }
    counts.cancelled.sort_by_key(|c| (c.date, c.meeting_id));
    counts.average_participants =
        (counts.held > 0).then(|| counts.attendances as f64 / counts.held as f64);
    counts
}

fn totals(meetings: &[&Meeting], pass: &Pass, targets: &Targets) -> Totals {
    let held = || meetings.iter().filter(|m| m.is_held());
    let carers_involved: u64 = held().map(|m| u64::from(m.attendance.total())).sum();
    let anonymous_attendances: u64 = held().map(|m| u64::from(m.attendance.anonymous)).sum();
    let codes: HashSet<&str> = held()
        .flat_map(|m| m.attendance.participants.iter().map(String::as_str))
        .collect();
    let distinct_participants = codes.len() as u64;
    let carers_reached = distinct_participants + anonymous_attendances;
    let satisfaction = Mean::from_sum(pass.all_satisfaction.0, pass.all_satisfaction.1);
    Totals {
        meetings_held: held().count() as u64,
        meetings_cancelled: meetings.iter().filter(|m| m.is_cancelled()).count() as u64,
        carers_involved,
        distinct_participants,
        anonymous_attendances,
        carers_reached,
        reach: Check::at_least(carers_reached, targets.reach_target()),
        satisfaction_check: Check::above(satisfaction.mean, targets.satisfaction_min),
        satisfaction,
    }
}

fn outreach(entries: &[Outreach]) -> OutreachReport {
    let mut by_period: BTreeMap<&str, Counters> = BTreeMap::new();
    let mut total = Counters::default();
    for o in entries {
        for c in [&mut total, by_period.entry(o.period.as_str()).or_default()] {
            c.page_likes += u64::from(o.page_likes);
            c.site_visits += u64::from(o.site_visits);
            c.downloads += u64::from(o.downloads);
            c.new_patients_informed += u64::from(o.new_patients_informed);
        }
    }
    OutreachReport {
        total,
        periods: by_period
            .into_iter()
            .map(|(p, counters)| PeriodCounters {
                period: p.to_string(),
                counters,
            })
            .collect(),
    }
}

/// An instrument version prepared once for the whole pass.
struct Prepared<'a> {
    scorer: Scorer<'a>,
    /// Scale levels (option values of scale items, in order, without repeats) with how many
    /// answers chose each at peer meetings.
    levels: Vec<(&'a str, u64)>,
}

/// A carer's pre and post quiz for one instrument at one meeting; the latest of each
/// counts when a carer submitted twice without marking a correction.
#[derive(Default)]
struct PairSlot<'a> {
    quiz: &'a str,
    pre: Option<(DateTime<Utc>, f64)>,
    post: Option<(DateTime<Utc>, f64)>,
}

/// Sums of quiz scores per quiz id.
#[derive(Default)]
struct QuizSums {
    pre: (f64, u64),
    post: (f64, u64),
    gain: (f64, u64),
}

struct CommitteeCandidate<'a> {
    date: NaiveDate,
    meeting_id: Uuid,
    submission: &'a Submission,
    scorer: usize,
}

/// Running totals of the single pass over submissions.
struct Pass<'a> {
    catalog: &'a Catalog,
    scorers: Vec<Prepared<'a>>,
    /// (instrument id, version) -> index in `scorers`, or `None` when not in the catalog.
    lookup: HashMap<(&'a str, u32), Option<usize>>,
    /// Ids named by some submission's `replaces`.
    replaced: HashSet<Uuid>,
    pair_index: HashMap<(Uuid, &'a str, &'a str), usize>,
    pairs: Vec<PairSlot<'a>>,
    /// Quizzes without a respondent code cannot be paired; their scores still count.
    anonymous_quizzes: BTreeMap<&'a str, QuizSums>,
    training_satisfaction: (f64, u64),
    peer_satisfaction: (f64, u64),
    all_satisfaction: (f64, u64),
    /// Peer satisfaction levels are counted in the `Prepared` of each peer instrument.
    peer_scorers: Vec<usize>,
    evaluations: u64,
    latest_evaluation: Option<CommitteeCandidate<'a>>,
    /// Barrier log submissions at held co-assessments, in input order.
    barrier_log: Vec<&'a Submission>,
    ignored: Ignored,
}

impl<'a> Pass<'a> {
    fn new(catalog: &'a Catalog, submissions: &[Submission]) -> Self {
        Pass {
            catalog,
            scorers: Vec::new(),
            lookup: HashMap::new(),
            replaced: submissions.iter().filter_map(|s| s.replaces).collect(),
            pair_index: HashMap::new(),
            pairs: Vec::new(),
            anonymous_quizzes: BTreeMap::new(),
            training_satisfaction: (0.0, 0),
            peer_satisfaction: (0.0, 0),
            all_satisfaction: (0.0, 0),
            peer_scorers: Vec::new(),
            evaluations: 0,
            latest_evaluation: None,
            barrier_log: Vec::new(),
            ignored: Ignored::default(),
        }
    }

    fn prepared(&mut self, id: &'a str, version: u32) -> Option<usize> {
        if let Some(&found) = self.lookup.get(&(id, version)) {
            return found;
        }
        let found = self.catalog.get(id, version).map(|instrument| {
            self.scorers.push(Prepared {
                scorer: Scorer::new(instrument),
                levels: scale_levels(instrument),
            });
            self.scorers.len() - 1
        });
        self.lookup.insert((id, version), found);
        found
    }

    fn add(&mut self, s: &'a Submission, meetings: &HashMap<Uuid, &'a Meeting>) {
        // Most data sets have no corrections: skip hashing every id then.
        if !self.replaced.is_empty() && self.replaced.contains(&s.id) {
            self.ignored.replaced += 1;
            return;
        }
        let Some(&meeting) = meetings.get(&s.meeting_id) else {
            self.ignored.unknown_meeting += 1;
            return;
        };
        if !meeting.is_held() {
            self.ignored.meeting_not_held += 1;
            return;
        }
        let Some(p) = self.prepared(&s.instrument_id, s.instrument_version) else {
            self.ignored.unknown_instrument += 1;
            return;
        };
        let instrument = self.scorers[p].scorer.instrument();
        if !instrument.activities.contains(&meeting.activity) {
            self.ignored.wrong_activity += 1;
            return;
        }
        // Answers at a co-assessment are about the project, not a service's figures.
        if !meeting.activity.is_service() {
            if instrument.id == BARRIER_LOG {
                self.barrier_log.push(s);
            }
            return;
        }
        match instrument.scoring {
            Scoring::PercentCorrect => self.add_quiz(s, meeting, p),
            Scoring::MeanScore => self.add_scale(s, meeting, p),
            Scoring::CountPerState => self.add_checklist(s, meeting, p),
            Scoring::None => {}
        }
    }

    fn add_quiz(&mut self, s: &'a Submission, meeting: &Meeting, p: usize) {
        let Some(phase) = s.phase else {
            self.ignored.quiz_without_phase += 1;
            return;
        };
        let Some(percent) = self.scorers[p].scorer.percent_correct(&s.answers) else {
            return;
        };
        let quiz: &'a str = &self.scorers[p].scorer.instrument().id;
        let Some(respondent) = s.respondent.as_deref() else {
            let sums = self.anonymous_quizzes.entry(quiz).or_default();
            let sum = if phase == Phase::Pre {
                &mut sums.pre
            } else {
                &mut sums.post
            };
            sum.0 += percent;
            sum.1 += 1;
            return;
        };
        let next = self.pairs.len();
        let slot = *self
            .pair_index
            .entry((meeting.id, quiz, respondent))
            .or_insert(next);
        if slot == next {
            self.pairs.push(PairSlot {
                quiz,
                ..PairSlot::default()
            });
        }
        let side = match phase {
            Phase::Pre => &mut self.pairs[slot].pre,
            Phase::Post => &mut self.pairs[slot].post,
        };
        if side.is_none_or(|(at, _)| s.created_at >= at) {
            *side = Some((s.created_at, percent));
        }
    }

    fn add_scale(&mut self, s: &'a Submission, meeting: &Meeting, p: usize) {
        let Some(mean) = self.scorers[p].scorer.mean_score(&s.answers) else {
            return;
        };
        self.all_satisfaction.0 += mean;
        self.all_satisfaction.1 += 1;
        match meeting.activity {
            Activity::TrainingCourse => {
                self.training_satisfaction.0 += mean;
                self.training_satisfaction.1 += 1;
            }
            Activity::PeerGroup => {
                self.peer_satisfaction.0 += mean;
                self.peer_satisfaction.1 += 1;
                if !self.peer_scorers.contains(&p) {
                    self.peer_scorers.push(p);
                }
                let prepared = &mut self.scorers[p];
                let levels = &mut prepared.levels;
                prepared.scorer.for_each_choice(&s.answers, |item, choice| {
                    if item.item_type == ItemType::Scale {
                        if let Some(level) = levels.iter_mut().find(|(v, _)| *v == choice.value) {
                            level.1 += 1;
                        }
                    }
                });
            }
            Activity::Committee | Activity::CoAssessment => {}
        }
    }

    fn add_checklist(&mut self, s: &'a Submission, meeting: &Meeting, p: usize) {
        if meeting.activity != Activity::Committee {
            return;
        }
        self.evaluations += 1;
        let later = self.latest_evaluation.as_ref().is_none_or(|best| {
            (meeting.date, s.created_at) >= (best.date, best.submission.created_at)
        });
        if later {
            self.latest_evaluation = Some(CommitteeCandidate {
                date: meeting.date,
                meeting_id: meeting.id,
                submission: s,
                scorer: p,
            });
        }
    }

    /// Understanding (post), pre, gain, and the same per quiz.
    fn quiz_figures(&self, catalog: &Catalog) -> (Mean, Mean, Mean, Vec<QuizReport>) {
        let mut per_quiz: BTreeMap<&str, QuizSums> = BTreeMap::new();
        for slot in &self.pairs {
            let sums = per_quiz.entry(slot.quiz).or_default();
            if let Some((_, pre)) = slot.pre {
                sums.pre.0 += pre;
                sums.pre.1 += 1;
            }
            if let Some((_, post)) = slot.post {
                sums.post.0 += post;
                sums.post.1 += 1;
            }
            if let (Some((_, pre)), Some((_, post))) = (slot.pre, slot.post) {
                sums.gain.0 += post - pre;
                sums.gain.1 += 1;
            }
        }
        for (quiz, anonymous) in &self.anonymous_quizzes {
            let sums = per_quiz.entry(quiz).or_default();
            sums.pre.0 += anonymous.pre.0;
            sums.pre.1 += anonymous.pre.1;
            sums.post.0 += anonymous.post.0;
            sums.post.1 += anonymous.post.1;
        }
        let mut all = QuizSums::default();
        let mut reports = Vec::with_capacity(per_quiz.len());
        for (quiz, sums) in per_quiz {
            for (total, part) in [
                (&mut all.pre, sums.pre),
                (&mut all.post, sums.post),
                (&mut all.gain, sums.gain),
            ] {
                total.0 += part.0;
                total.1 += part.1;
            }
            reports.push(QuizReport {
                instrument_id: quiz.to_string(),
                title: catalog
                    .latest(quiz)
                    .map(|i| i.title.clone())
                    .unwrap_or_default(),
                pre: Mean::from_sum(sums.pre.0, sums.pre.1),
                post: Mean::from_sum(sums.post.0, sums.post.1),
                gain: Mean::from_sum(sums.gain.0, sums.gain.1),
            });
        }
        (
            Mean::from_sum(all.post.0, all.post.1),
            Mean::from_sum(all.pre.0, all.pre.1),
            Mean::from_sum(all.gain.0, all.gain.1),
            reports,
        )
    }

    /// Peer satisfaction levels merged over every peer instrument version answered, in
    /// the order of the highest version (labels from it too).
    fn peer_distribution(&self) -> Distribution {
        let mut used: Vec<&Prepared> = self
            .peer_scorers
            .iter()
            .map(|&p| &self.scorers[p])
            .collect();
        used.sort_by(|a, b| {
            let (a, b) = (a.scorer.instrument(), b.scorer.instrument());
            (a.id.as_str(), std::cmp::Reverse(a.version))
                .cmp(&(b.id.as_str(), std::cmp::Reverse(b.version)))
        });
        let mut levels: Vec<Level> = Vec::new();
        for prepared in used {
            let instrument = prepared.scorer.instrument();
            for &(value, count) in &prepared.levels {
                match levels.iter_mut().find(|l| l.value == value) {
                    Some(level) => level.count += count,
                    None => {
                        let choice = instrument
                            .items
                            .iter()
                            .filter(|i| i.item_type == ItemType::Scale)
                            .find_map(|i| i.option(value));
                        levels.push(Level {
                            value: value.to_string(),
                            label: choice.map(|c| c.label.clone()).unwrap_or_default(),
                            score: choice.and_then(|c| c.score),
                            count,
                        });
                    }
                }
            }
        }
        let (sum, n) = self.peer_satisfaction;
        Distribution {
            levels,
            n,
            mean: Mean::from_sum(sum, n).mean,
        }
    }
}

/// The distinct option values of an instrument's scale items, in order.
fn scale_levels(instrument: &Instrument) -> Vec<(&str, u64)> {
    let mut levels: Vec<(&str, u64)> = Vec::new();
    for item in instrument
        .items
        .iter()
        .filter(|i| i.item_type == ItemType::Scale)
    {
        for option in &item.options {
            if !levels.iter().any(|(v, _)| *v == option.value) {
                levels.push((option.value.as_str(), 0));
            }
        }
    }
    levels
}

fn goals_evaluation(c: &CommitteeCandidate, prepared: &Prepared) -> GoalsEvaluation {
    let instrument = prepared.scorer.instrument();
    let mut states: Vec<Level> = Vec::new();
    let mut goals: Vec<GoalState> = Vec::new();
    let choice_items = instrument
        .items
        .iter()
        .filter(|i| matches!(i.item_type, ItemType::SingleChoice | ItemType::Scale));
    for item in choice_items {
        for option in &item.options {
            if !states.iter().any(|s| s.value == option.value) {
                states.push(Level {
                    value: option.value.clone(),
                    label: option.label.clone(),
                    score: option.score,
                    count: 0,
                });
            }
        }
        goals.push(GoalState {
            item_id: item.id.clone(),
            label: item.label.clone(),
            state: None,
            state_label: None,
        });
    }
    prepared
        .scorer
        .for_each_choice(&c.submission.answers, |item, choice| {
            if let Some(state) = states.iter_mut().find(|s| s.value == choice.value) {
                state.count += 1;
            }
            if let Some(goal) = goals.iter_mut().find(|g| g.item_id == item.id) {
                goal.state = Some(choice.value.clone());
                goal.state_label = Some(choice.label.clone());
            }
        });
    GoalsEvaluation {
        meeting_id: c.meeting_id,
        submission_id: c.submission.id,
        date: c.date,
        states,
        goals,
    }
}
