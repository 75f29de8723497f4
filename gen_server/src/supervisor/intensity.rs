//! The restart intensity: at most `max_restarts` restarts within any window
//! of `max_seconds` (OTP's `:max_restarts` and `:max_seconds`).

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

/// The restarts made within the last window.
#[derive(Debug, Clone)]
pub(crate) struct Intensity {
    max_restarts: usize,
    window: Duration,
    /// When each recent restart happened, oldest first.
    recent: VecDeque<Instant>,
}

impl Intensity {
    pub(crate) fn new(max_restarts: usize, window: Duration) -> Self {
        Intensity {
            max_restarts,
            window,
            recent: VecDeque::new(),
        }
    }

    /// Records a restart at `now`. Returns false if it is one too many: it
    /// would make more than `max_restarts` within the window ending at
    /// `now`, and the supervisor must give up (OTP's
    /// `reached_max_restart_intensity`).
    pub(crate) fn add(&mut self, now: Instant) -> bool {
        // OTP keeps restarts with `now - t <= period`.
        while let Some(&oldest) = self.recent.front() {
            if now.saturating_duration_since(oldest) > self.window {
                self.recent.pop_front();
            } else {
                break;
            }
        }
        self.recent.push_back(now);
        self.recent.len() <= self.max_restarts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_max_restarts_in_a_window_and_refuses_one_more() {
        let start = Instant::now();
        let mut intensity = Intensity::new(3, Duration::from_secs(5));
        for i in 0..3 {
            assert!(intensity.add(start + Duration::from_secs(i)));
        }
        assert!(!intensity.add(start + Duration::from_secs(3)));
    }

    #[test]
    fn restarts_older_than_the_window_are_forgotten() {
        let start = Instant::now();
        let mut intensity = Intensity::new(1, Duration::from_secs(5));
        assert!(intensity.add(start));
        assert!(!intensity.add(start + Duration::from_secs(5)));
        let mut intensity = Intensity::new(1, Duration::from_secs(5));
        assert!(intensity.add(start));
        assert!(intensity.add(start + Duration::from_millis(5001)));
    }

    #[test]
    fn zero_max_restarts_refuses_the_first() {
        let mut intensity = Intensity::new(0, Duration::from_secs(5));
        assert!(!intensity.add(Instant::now()));
    }
}
