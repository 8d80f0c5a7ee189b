//! Judging a match: who the phrase is about (the user, someone else, a thing), whether a negator governs it,
//! and whether it lies long ago. This is what turns "I want to kill myself" into a crisis and "my friend said
//! she wanted to die" into a mention.

use super::Screening;
use super::doc::{Doc, Who};
use super::rules::{Out, Spec, Subj};

impl Doc {
    pub(super) fn judge(
        &self,
        rule: &Spec,
        cs: usize,
        ce: usize,
        ms: usize,
        me: usize,
        lits: &[usize],
    ) -> Screening {
        let Out::Crisis(kind) = rule.out else {
            return Screening::Mention;
        };
        if self.toks[ms].quoted && !self.self_quoted(cs, ms) {
            return Screening::Mention;
        }
        let who = match rule.subj {
            Subj::Scan | Subj::NeedsFirst => self.subject(cs, ms, me, lits),
            Subj::Explicit => self.explicit_subject(cs, ms, me, lits),
            Subj::Victim => Who::First,
        };
        match who {
            // "das wird mich noch umbringen"; but "it's got no point living" is not an idiom.
            Who::Thing if !rule.immune => return Screening::Clear,
            Who::Third => return Screening::Mention,
            Who::Unknown if rule.subj == Subj::NeedsFirst => return Screening::Mention,
            _ => {}
        }
        let negated = !rule.immune
            && match rule.subj {
                // The pattern starts with its own subject ("i … kill him"): only a negator inside counts.
                Subj::Explicit => self.negated_inside(ms, me, lits) || self.negated_after(ce, me),
                _ => self.negated(cs, ce, ms, me, lits),
            };
        if negated || self.long_ago(cs, ce, ms, me) {
            return Screening::Mention;
        }
        Screening::Crisis(kind)
    }

    /// A quoted match counts as the user's own words only when the quote is introduced by *I*/*ich* ("I keep
    /// thinking "I want to die""); otherwise it is someone else's (a song, a friend, a film).
    fn self_quoted(&self, cs: usize, ms: usize) -> bool {
        let mut q0 = ms;
        while q0 > cs && self.toks[q0 - 1].quoted && ms - q0 < 60 {
            q0 -= 1;
        }
        let lo = q0.saturating_sub(6).max(cs);
        for k in (lo..q0).rev() {
            if self.is(k, &self.lex.first_subj) {
                return true;
            }
            if self.is(k, &self.lex.third_pron) || self.is(k, &self.lex.third_noun) {
                return false;
            }
        }
        false
    }

    /// Who the phrase is about: a subject inside the match ("will *sie* einfach sterben"), else the nearest
    /// subject before it, with reported speech ("my friend *said* …") counting as someone else.
    fn subject(&self, cs: usize, ms: usize, me: usize, lits: &[usize]) -> Who {
        let mut found_first = false;
        for k in ms..me {
            if lits.contains(&k) {
                continue;
            }
            if self.is(k, &self.lex.third_pron) || self.is(k, &self.lex.third_obj) {
                return Who::Third;
            }
            if self.is(k, &self.lex.first_subj) {
                found_first = true;
                break;
            }
        }
        let lo = ms.saturating_sub(12).max(cs);
        for k in (lo..ms).rev() {
            if self.is(k, &self.lex.report) {
                match self.reporter(cs, k) {
                    Who::Third => return Who::Third,
                    Who::First => return Who::First,
                    _ => continue,
                }
            }
            if found_first {
                continue;
            }
            if self.is(k, &self.lex.first_subj) || self.is(k, &self.lex.first_obj) {
                found_first = true;
            } else if self.is(k, &self.lex.third_pron) || self.is(k, &self.lex.third_noun) {
                return Who::Third;
            } else if self.is(k, &self.lex.thing) {
                return Who::Thing;
            }
        }
        if found_first { Who::First } else { Who::Unknown }
    }

    /// For patterns that name their subject: a third person or thing inside a gap ("ich glaube *er* will ihn
    /// umbringen", "ich glaube *das* wird mich umbringen"), or reported speech before it.
    fn explicit_subject(&self, cs: usize, ms: usize, me: usize, lits: &[usize]) -> Who {
        for k in ms..me {
            if lits.contains(&k) {
                continue;
            }
            if self.is(k, &self.lex.third_pron) {
                return Who::Third;
            }
            if self.is(k, &self.lex.thing) {
                return Who::Thing;
            }
        }
        let lo = ms.saturating_sub(12).max(cs);
        for k in (lo..ms).rev() {
            if self.is(k, &self.lex.report) && self.reporter(cs, k) == Who::Third {
                return Who::Third;
            }
        }
        Who::First
    }

    /// The subject of the reporting verb at `k`, looking up to three tokens back ("my friend said", "er hat
    /// gesagt").
    fn reporter(&self, cs: usize, k: usize) -> Who {
        let lo = k.saturating_sub(3).max(cs);
        for j in (lo..k).rev() {
            if self.is(j, &self.lex.first_subj) {
                return Who::First;
            }
            if self.is(j, &self.lex.third_pron) || self.is(j, &self.lex.third_noun) {
                return Who::Third;
            }
        }
        Who::Unknown
    }

    fn is_neg(&self, k: usize) -> bool {
        let w = self.word(k);
        // "no, I want to die": a "no" answering something does not negate what follows.
        self.lex.neg.contains(w)
            && !(matches!(w, "no" | "nein") && self.toks.get(k + 1).is_some_and(|t| t.soft_before))
    }

    fn negated_inside(&self, ms: usize, me: usize, lits: &[usize]) -> bool {
        (ms..me).any(|k| !lits.contains(&k) && self.is_neg(k))
    }

    /// German verb-second: "ich ritze mich *nicht mehr*", "er schlägt mich *nicht*".
    fn negated_after(&self, ce: usize, me: usize) -> bool {
        let mut k = me;
        for _ in 0..2 {
            if k >= ce || self.toks[k].soft_before {
                return false;
            }
            match self.word(k) {
                "nicht" | "nie" | "niemals" | "nimmer" => return true,
                "mehr" | "wirklich" | "selbst" | "einfach" | "doch" | "ja" | "gar" | "so" => k += 1,
                _ => return false,
            }
        }
        false
    }

    /// A negator governs the phrase: inside it, right after it (German), or before it with only words a
    /// negator can reach across in between ("I would *never* even think about …").
    fn negated(&self, cs: usize, ce: usize, ms: usize, me: usize, lits: &[usize]) -> bool {
        if self.negated_inside(ms, me, lits) || self.negated_after(ce, me) {
            return true;
        }
        let mut k = ms;
        let mut steps = 0;
        while k > cs && steps < 6 {
            k -= 1;
            steps += 1;
            if self.is_neg(k) {
                return true;
            }
            if self.is(k, &self.lex.governable) {
                continue;
            }
            // "there's no way I'd kill myself"
            if self.is(k, &self.lex.first_subj)
                && k >= cs + 2
                && self.word(k - 1) == "way"
                && self.word(k - 2) == "no"
            {
                return true;
            }
            break;
        }
        false
    }

    /// A long-ago marker before the phrase (or right after it, in the same stretch of speech) with no
    /// present-time marker after it: "years ago I thought about ending it", "ich wurde als Kind missbraucht".
    fn long_ago(&self, cs: usize, ce: usize, ms: usize, me: usize) -> bool {
        let lo = ms.saturating_sub(20).max(cs);
        let last_past = (lo..me).rev().find(|&k| self.past[k]);
        let mut past_after = false;
        let mut present_after = false;
        let mut k = me;
        while k < ce && k < me + 5 {
            if self.toks[k].soft_before {
                break;
            }
            past_after |= self.past[k];
            present_after |= self.present[k] && k < me + 3;
            k += 1;
        }
        if last_past.is_none() && !past_after {
            return false;
        }
        let from = last_past.map_or(me, |p| p + 1);
        let present = (from..me).any(|k| self.present[k]) || present_after;
        !present
    }
}
