//! Automatic assignment (*fördelning*) of a unit's errands to its staff:
//! manual, round-robin or fewest open errands, per unit, with a cap on the
//! active errands one person holds and their availability (present or
//! away). What cannot be handed out waits in the unit's unassigned queue
//! until someone becomes available. Pure: the app reads the candidates and
//! writes the choices.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How a unit hands out new errands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Staff take errands from the queue themselves (or a colleague assigns them).
    #[default]
    Manual,
    /// In turn: the available person who was handed an errand longest ago.
    RoundRobin,
    /// The available person with the fewest active errands.
    FewestOpen,
}

impl Strategy {
    pub const ALL: [Strategy; 3] = [Self::Manual, Self::RoundRobin, Self::FewestOpen];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::RoundRobin => "round_robin",
            Self::FewestOpen => "fewest_open",
        }
    }
}

/// A unit's assignment settings (`[units.assignment]` in the catalogue).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Routing {
    #[serde(default)]
    pub strategy: Strategy,
    /// The most active errands one person holds before new ones wait.
    #[serde(default)]
    pub max_open: Option<u32>,
}

impl Routing {
    /// Whether errands are handed out without anyone choosing.
    pub fn automatic(&self) -> bool {
        self.strategy != Strategy::Manual
    }
}

/// Someone errands can be handed to, as at the moment of choosing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub user_id: i64,
    /// At work and taking errands (*på plats*), or away.
    pub present: bool,
    /// Active errands assigned to them.
    pub open: u32,
    /// When they were last handed an errand automatically.
    pub last_assigned: Option<DateTime<Utc>>,
}

/// Why an errand went where it went, for the timeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Why {
    /// Its turn, in round-robin.
    RoundRobin,
    /// The fewest active errands.
    FewestOpen,
    /// Reopened while its previous owner was away.
    OwnerAway,
}

/// Why nobody was chosen: the errand waits in the unassigned queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Waiting {
    /// The unit assigns by hand.
    Manual,
    /// Nobody is present.
    NobodyPresent,
    /// Everyone present holds their cap.
    AllFull,
}

impl Routing {
    fn has_room(&self, c: &Candidate) -> bool {
        c.present && self.max_open.is_none_or(|max| c.open < max)
    }

    /// Whom the next errand goes to, and why; or why it waits.
    pub fn pick(&self, candidates: &[Candidate]) -> Result<(i64, Why), Waiting> {
        self.pick_turn(candidates, &[])
    }

    /// `turns[i]` counts what candidate `i` got earlier in this hand-out, so
    /// round-robin goes round even when every `last_assigned` is the same now.
    fn pick_turn(&self, candidates: &[Candidate], turns: &[u32]) -> Result<(i64, Why), Waiting> {
        let why = match self.strategy {
            Strategy::Manual => return Err(Waiting::Manual),
            Strategy::RoundRobin => Why::RoundRobin,
            Strategy::FewestOpen => Why::FewestOpen,
        };
        if !candidates.iter().any(|c| c.present) {
            return Err(Waiting::NobodyPresent);
        }
        let turn = |i: usize| turns.get(i).copied().unwrap_or(0);
        let chosen = candidates.iter().enumerate().filter(|(_, c)| self.has_room(c)).min_by_key(|(i, c)| {
            // `None` (never handed one) sorts before any time.
            let load = if why == Why::FewestOpen { c.open } else { 0 };
            (load, turn(*i), c.last_assigned, c.user_id)
        });
        chosen.map(|(_, c)| (c.user_id, why)).ok_or(Waiting::AllFull)
    }

    /// Hands out up to `errands` waiting errands, oldest first: who gets
    /// each, in order, until nobody has room. Updates the candidates' counts.
    pub fn hand_out(&self, candidates: &mut [Candidate], errands: usize, now: DateTime<Utc>) -> Vec<(i64, Why)> {
        let mut turns = vec![0u32; candidates.len()];
        let mut out = Vec::new();
        while out.len() < errands {
            let Ok((user, why)) = self.pick_turn(candidates, &turns) else { break };
            let i = candidates.iter().position(|c| c.user_id == user).expect("picked from the candidates");
            candidates[i].open += 1;
            turns[i] += 1;
            out.push((user, why));
        }
        // Their last turn is now; set after the loop, so that within it
        // the order of earlier turns decides each round.
        for (c, _) in candidates.iter_mut().zip(&turns).filter(|(_, t)| **t > 0) {
            c.last_assigned = Some(now);
        }
        out
    }

    /// Who takes over a reopened errand whose owner is away: an available
    /// colleague by the unit's strategy (none when it assigns by hand).
    pub fn take_over(&self, owner: i64, candidates: &[Candidate]) -> Option<i64> {
        let owner_away = candidates.iter().find(|c| c.user_id == owner).is_none_or(|c| !c.present);
        if !owner_away {
            return None;
        }
        let others: Vec<Candidate> = candidates.iter().filter(|c| c.user_id != owner).cloned().collect();
        self.pick(&others).ok().map(|(user, _)| user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 3, h, 0, 0).unwrap()
    }
    fn c(user_id: i64, present: bool, open: u32, last: Option<u32>) -> Candidate {
        Candidate { user_id, present, open, last_assigned: last.map(at) }
    }
    fn routing(strategy: Strategy, max_open: Option<u32>) -> Routing {
        Routing { strategy, max_open }
    }

    #[test]
    fn manual_never_picks() {
        let r = routing(Strategy::Manual, None);
        assert_eq!(r.pick(&[c(1, true, 0, None)]), Err(Waiting::Manual));
        assert!(r.hand_out(&mut [c(1, true, 0, None)], 3, at(9)).is_empty());
        assert!(!r.automatic());
    }

    #[test]
    fn round_robin_takes_turns_from_who_waited_longest() {
        let r = routing(Strategy::RoundRobin, None);
        // 3 never had one; 1 had one at 8, 2 at 7.
        let mut people = [c(1, true, 0, Some(8)), c(2, true, 5, Some(7)), c(3, true, 9, None)];
        assert_eq!(r.pick(&people), Ok((3, Why::RoundRobin)), "never handed one goes first, whatever the load");
        let got: Vec<i64> = r.hand_out(&mut people, 7, at(9)).into_iter().map(|(u, _)| u).collect();
        assert_eq!(got, [3, 2, 1, 3, 2, 1, 3], "round and round, in the order of their last turn");
        assert_eq!(people.iter().map(|p| p.open).collect::<Vec<_>>(), [2, 7, 12]);
    }

    #[test]
    fn fewest_open_fills_the_least_loaded_and_breaks_ties_by_turn() {
        let r = routing(Strategy::FewestOpen, None);
        let mut people = [c(1, true, 4, Some(8)), c(2, true, 2, Some(7)), c(3, true, 2, Some(6))];
        assert_eq!(r.pick(&people), Ok((3, Why::FewestOpen)), "2 and 3 tie on load; 3 waited longer");
        let got: Vec<i64> = r.hand_out(&mut people, 5, at(9)).into_iter().map(|(u, _)| u).collect();
        assert_eq!(got, [3, 2, 3, 2, 1]);
        assert_eq!(people.iter().map(|p| p.open).collect::<Vec<_>>(), [5, 4, 4]);
    }

    #[test]
    fn caps_hold_and_the_rest_waits() {
        for strategy in [Strategy::RoundRobin, Strategy::FewestOpen] {
            let r = routing(strategy, Some(3));
            let mut people = [c(1, true, 2, None), c(2, true, 3, None), c(3, true, 0, None)];
            let got: Vec<i64> = r.hand_out(&mut people, 10, at(9)).into_iter().map(|(u, _)| u).collect();
            let mut sorted = got.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, [1, 3, 3, 3], "{strategy:?}: 1 has room for one, 2 none, 3 for three");
            assert!(people.iter().all(|p| p.open == 3));
            assert_eq!(r.pick(&people), Err(Waiting::AllFull), "{strategy:?}");
        }
    }

    #[test]
    fn the_away_get_nothing() {
        for strategy in [Strategy::RoundRobin, Strategy::FewestOpen] {
            let r = routing(strategy, None);
            assert_eq!(r.pick(&[c(1, false, 0, None), c(2, false, 0, None)]), Err(Waiting::NobodyPresent));
            assert_eq!(r.pick(&[]), Err(Waiting::NobodyPresent));
            let mut people = [c(1, false, 0, None), c(2, true, 7, Some(8))];
            let got: Vec<i64> = r.hand_out(&mut people, 2, at(9)).into_iter().map(|(u, _)| u).collect();
            assert_eq!(got, [2, 2], "{strategy:?}");
        }
    }

    #[test]
    fn a_reopened_errand_leaves_an_owner_who_is_away() {
        let r = routing(Strategy::FewestOpen, Some(2));
        let people = [c(1, false, 1, None), c(2, true, 2, None), c(3, true, 1, None)];
        assert_eq!(r.take_over(1, &people), Some(3), "2 is full");
        assert_eq!(r.take_over(3, &people), None, "the owner is present and keeps it");
        assert_eq!(r.take_over(9, &people), Some(3), "an owner who left the unit counts as away");
        let full = [c(1, false, 1, None), c(2, true, 2, None)];
        assert_eq!(r.take_over(1, &full), None, "nobody has room: the owner keeps it");
        assert_eq!(routing(Strategy::Manual, None).take_over(1, &people), None);
    }
}
