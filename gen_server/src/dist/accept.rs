//! The node's accept loop: hands each incoming connection to the node, and
//! keeps accepting when `accept` fails.
//!
//! `accept` fails for reasons that concern one connection (the peer reset it
//! before it was taken) and for reasons that last a while: the process is
//! out of file descriptors (`EMFILE`, `ENFILE`) or the kernel out of memory.
//! Retrying at once would spin at full speed for as long as the condition
//! lasts, flooding the log, and giving up would leave the node unreachable
//! for good. So each failure is logged and followed by a pause that doubles
//! from [`FIRST_PAUSE`] up to [`MAX_PAUSE`], and a connection accepted
//! resets it.

use std::future::Future;
use std::io;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};

/// The pause after a first failed `accept`.
pub(crate) const FIRST_PAUSE: Duration = Duration::from_millis(10);

/// The longest pause between two attempts to accept.
pub(crate) const MAX_PAUSE: Duration = Duration::from_secs(1);

/// Where incoming connections come from: the node's TCP listener (a stand-in
/// in the tests of this module).
pub(crate) trait Listener: Send + 'static {
    type Stream: Send + 'static;
    fn accept(&mut self) -> impl Future<Output = io::Result<Self::Stream>> + Send;
}

impl Listener for TcpListener {
    type Stream = TcpStream;

    async fn accept(&mut self) -> io::Result<TcpStream> {
        TcpListener::accept(self).await.map(|(stream, _)| stream)
    }
}

/// Accepts connections until `admit` returns false (the node is gone),
/// pausing after each failure as the [module](self) says.
pub(crate) async fn accept_loop<L: Listener>(
    mut listener: L,
    mut admit: impl FnMut(L::Stream) -> bool + Send,
) {
    let mut pause = FIRST_PAUSE;
    loop {
        match listener.accept().await {
            Ok(stream) => {
                pause = FIRST_PAUSE;
                if !admit(stream) {
                    return;
                }
            }
            Err(error) => {
                tracing::warn!(%error, retry_in = ?pause, "accepting a node connection failed; retrying");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(MAX_PAUSE);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use tokio::time::Instant;

    /// Fails `fails` times with `EMFILE`, then accepts `7` once, then waits
    /// forever; records when each attempt was made.
    struct Flaky {
        fails: usize,
        served: bool,
        attempts: Arc<Mutex<Vec<Instant>>>,
    }

    impl Listener for Flaky {
        type Stream = u32;

        async fn accept(&mut self) -> io::Result<u32> {
            self.attempts.lock().unwrap().push(Instant::now());
            if self.fails > 0 {
                self.fails -= 1;
                return Err(io::Error::from_raw_os_error(24)); // EMFILE
            }
            if self.served {
                std::future::pending::<()>().await;
            }
            self.served = true;
            Ok(7)
        }
    }

    // The clock is paused and moves only when every task waits on a timer:
    // the gaps between attempts are exactly the loop's pauses, whatever the
    // machine's speed.
    #[tokio::test(start_paused = true)]
    async fn failed_accepts_are_retried_after_a_pause_that_grows_to_a_cap() {
        let attempts = Arc::new(Mutex::new(Vec::new()));
        let listener = Flaky {
            fails: 9,
            served: false,
            attempts: Arc::clone(&attempts),
        };
        let (tx, rx) = tokio::sync::oneshot::channel();
        let mut tx = Some(tx);
        tokio::spawn(accept_loop(listener, move |stream| {
            let _ = tx.take().expect("one connection").send(stream);
            true
        }));
        // Accepting goes on after the failures.
        assert_eq!(rx.await, Ok(7));
        // Nine failures and the success (the loop is waiting on the next).
        let attempts = attempts.lock().unwrap()[..10].to_vec();
        let gaps: Vec<u64> = attempts
            .windows(2)
            .map(|w| (w[1] - w[0]).as_millis() as u64)
            .collect();
        assert_eq!(gaps, [10, 20, 40, 80, 160, 320, 640, 1000, 1000]);
    }

    #[tokio::test(start_paused = true)]
    async fn the_loop_ends_when_the_node_is_gone() {
        let listener = Flaky {
            fails: 1,
            served: false,
            attempts: Arc::default(),
        };
        // Ends by itself: the node refuses the first connection.
        accept_loop(listener, |_| false).await;
    }
}
