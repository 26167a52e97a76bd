//! When the tablet next tries the server, by what the last attempt met.
//!
//! In the valley a window of signal may last a few minutes. A backoff that grows on every
//! failure would sleep through it, so the failure's class decides: with no network at all
//! (`offline`) the tablet probes with the smallest request the API has (health) at a fixed
//! interval while records wait, and syncs the moment a probe answers; a server in trouble
//! keeps the backoff with full jitter, so a struggling server is not hammered; a connection
//! that broke mid-transfer is settled by the next probe. Pure: the loop in
//! [`crate::sync_loop`] sleeps, probes and syncs; this only says what comes next.

use crate::backoff::Backoff;
use crate::error::{FailureClass, SyncError};
use std::time::Duration;

/// The intervals the scheduler works with (tests use milliseconds).
#[derive(Clone, Debug)]
pub struct SchedulePolicy {
    /// How often to probe while offline with records waiting (the Sync setting).
    pub probe_interval: Duration,
    /// How long to wait after a sync that left nothing to do (new records wake the task).
    pub idle_recheck: Duration,
    /// After a sync that stopped at its page bound with more waiting on the server.
    pub more_to_pull: Duration,
}

impl Default for SchedulePolicy {
    fn default() -> Self {
        SchedulePolicy {
            probe_interval: Duration::from_secs(15),
            idle_recheck: Duration::from_secs(300),
            more_to_pull: Duration::from_secs(2),
        }
    }
}

/// What to do next, and when.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// A health request: cheap, and it tells offline from a server in trouble.
    Probe,
    /// A whole sync (push, then pull).
    Sync,
}

/// How the link looked at the last attempt, for the Sync screen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    /// The last attempt worked (or none was needed).
    #[default]
    Ok,
    /// No network: probing at the interval.
    Offline,
    /// The server answered badly or not at all after connecting: backing off.
    ServerTrouble,
    /// The server refused this tablet or a request: a person must act.
    NeedsAttention,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    pub action: Action,
    pub after: Duration,
    pub state: LinkState,
}

/// The tablet's sync rhythm: one per sync task.
#[derive(Debug)]
pub struct Scheduler {
    policy: SchedulePolicy,
    backoff: Backoff,
}

impl Scheduler {
    pub fn new(policy: SchedulePolicy, backoff: Backoff) -> Scheduler {
        Scheduler { policy, backoff }
    }

    pub fn policy(&self) -> &SchedulePolicy {
        &self.policy
    }

    /// The facilitator changed the probe interval: the next plan uses it.
    pub fn set_policy(&mut self, policy: SchedulePolicy) {
        self.policy = policy;
    }

    /// After a sync: `pending` is what still waits in the outbox (refused records aside).
    pub fn after_sync(&mut self, outcome: Result<bool, &SyncError>, pending: u64) -> Plan {
        match outcome {
            Ok(more_to_pull) => {
                self.backoff.reset();
                let after = if more_to_pull {
                    self.policy.more_to_pull
                } else {
                    self.policy.idle_recheck
                };
                Plan {
                    action: Action::Sync,
                    after,
                    state: LinkState::Ok,
                }
            }
            // A connection that broke mid-transfer may be the signal going or the server
            // failing: the next probe tells which, without growing the backoff.
            Err(SyncError::Transport(_)) => self.probe_soon(LinkState::Offline),
            Err(e) => self.after_failure(e.class(), pending),
        }
    }

    /// After a probe (the health request every attempt starts with) that failed: with no
    /// network, probe again at the interval; anything else is judged by its class, so a
    /// connection broken again on the probe counts as server trouble and backs off.
    pub fn after_probe(&mut self, e: &SyncError, pending: u64) -> Plan {
        self.after_failure(e.class(), pending)
    }

    /// Nothing to sync with (the vault locked, the tablet not enrolled): look again at the
    /// usual recheck; unlocking and enrolling wake the task anyway.
    pub fn idle(&self) -> Plan {
        Plan {
            action: Action::Sync,
            after: self.policy.idle_recheck,
            state: LinkState::Ok,
        }
    }

    /// The system says the network changed: probe now, whatever the plan was.
    pub fn network_changed(&self, state: LinkState) -> Plan {
        Plan {
            action: Action::Probe,
            after: Duration::ZERO,
            state,
        }
    }

    fn after_failure(&mut self, class: Option<FailureClass>, pending: u64) -> Plan {
        match class {
            // Offline never grows the backoff: probe at the interval while records wait;
            // with nothing to send there is no hurry.
            Some(FailureClass::Offline) if pending > 0 => self.probe_soon(LinkState::Offline),
            Some(FailureClass::Offline) => Plan {
                action: Action::Probe,
                after: self.policy.idle_recheck,
                state: LinkState::Offline,
            },
            Some(FailureClass::ServerTrouble) => Plan {
                action: Action::Sync,
                after: self.backoff.next_delay(),
                state: LinkState::ServerTrouble,
            },
            // Revoked, refused, or a fault on this device: trying again soon changes
            // nothing; a person acts (re-enrolls, fixes the address) and wakes the task.
            Some(FailureClass::Revoked | FailureClass::Refused) | None => Plan {
                action: Action::Sync,
                after: self.policy.idle_recheck,
                state: LinkState::NeedsAttention,
            },
        }
    }

    fn probe_soon(&self, state: LinkState) -> Plan {
        Plan {
            action: Action::Probe,
            after: self.policy.probe_interval,
            state,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scheduler() -> Scheduler {
        Scheduler::new(
            SchedulePolicy {
                probe_interval: Duration::from_millis(150),
                idle_recheck: Duration::from_secs(300),
                more_to_pull: Duration::from_secs(2),
            },
            Backoff::seeded(Duration::from_secs(5), Duration::from_secs(600), 7),
        )
    }

    fn offline() -> SyncError {
        SyncError::Connect("no route to host".into())
    }

    fn unavailable() -> SyncError {
        SyncError::Unavailable {
            status: 503,
            message: "busy".into(),
        }
    }

    #[test]
    fn offline_probes_at_the_interval_and_never_grows() {
        let mut s = scheduler();
        for _ in 0..50 {
            let plan = s.after_sync(Err(&offline()), 3);
            assert_eq!(plan.action, Action::Probe);
            assert_eq!(plan.after, Duration::from_millis(150));
            assert_eq!(plan.state, LinkState::Offline);
            let plan = s.after_probe(&offline(), 3);
            assert_eq!(plan.after, Duration::from_millis(150));
            assert_eq!(s.backoff.failures(), 0);
        }
    }

    #[test]
    fn offline_with_nothing_to_send_waits_for_the_usual_recheck() {
        let plan = scheduler().after_sync(Err(&offline()), 0);
        assert_eq!(plan.after, Duration::from_secs(300));
    }

    #[test]
    fn a_server_in_trouble_is_backed_off_with_a_growing_ceiling() {
        let mut s = scheduler();
        let mut ceilings = Vec::new();
        for _ in 0..8 {
            let plan = s.after_sync(Err(&unavailable()), 3);
            assert_eq!(plan.state, LinkState::ServerTrouble);
            assert_eq!(plan.action, Action::Sync);
            ceilings.push(s.backoff.ceiling());
        }
        assert!(ceilings.windows(2).all(|w| w[0] <= w[1]), "{ceilings:?}");
        assert_eq!(*ceilings.last().unwrap(), Duration::from_secs(600));
        // A probe meeting a 5xx backs off too: probing never hammers a struggling server.
        let before = s.backoff.failures();
        let plan = s.after_probe(&unavailable(), 3);
        assert_eq!(plan.state, LinkState::ServerTrouble);
        assert_eq!(s.backoff.failures(), before + 1);
        // Success resets it.
        s.after_sync(Ok(false), 0);
        assert_eq!(s.backoff.failures(), 0);
    }

    #[test]
    fn a_connection_broken_mid_transfer_is_settled_by_a_probe() {
        let mut s = scheduler();
        let plan = s.after_sync(Err(&SyncError::Transport("reset".into())), 3);
        assert_eq!(plan.action, Action::Probe);
        assert_eq!(
            s.backoff.failures(),
            0,
            "no backoff before the probe decides"
        );
        // The probe finds the link gone: offline, still no backoff.
        assert_eq!(s.after_probe(&offline(), 3).state, LinkState::Offline);
        assert_eq!(s.backoff.failures(), 0);
        // The probe's own connection breaks too: the server is the trouble.
        let plan = s.after_probe(&SyncError::Transport("reset".into()), 3);
        assert_eq!(plan.state, LinkState::ServerTrouble);
        assert_eq!(s.backoff.failures(), 1);
    }

    #[test]
    fn refusals_wait_for_a_person_and_a_network_change_probes_at_once() {
        let mut s = scheduler();
        let plan = s.after_sync(Err(&SyncError::Unauthorized("revoked".into())), 3);
        assert_eq!(plan.state, LinkState::NeedsAttention);
        assert_eq!(plan.after, Duration::from_secs(300));
        let plan = s.network_changed(LinkState::Offline);
        assert_eq!((plan.action, plan.after), (Action::Probe, Duration::ZERO));
        assert_eq!(
            s.after_sync(Ok(true), 0).after,
            Duration::from_secs(2),
            "more to pull comes back soon"
        );
    }
}
