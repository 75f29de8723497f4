//! `async_stream_nolink`: a supervised task per item of a stream, with
//! bounded concurrency, yielding the outcomes as a stream.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::stream::{Stream, StreamExt};

use super::TaskSupervisor;
use crate::Pid;
use crate::call::DEFAULT_CALL_TIMEOUT;
use crate::error::TaskError;

/// What a task that outlives its timeout does to an
/// [`async_stream_nolink`](TaskSupervisor::async_stream_nolink) stream (OTP's
/// `:on_timeout`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum OnTimeout {
    /// The stream yields `Err(TaskError::Timeout)` as its last item, kills
    /// its other running tasks and ends (OTP's `:exit`, where the caller
    /// exits; the default).
    #[default]
    Exit,
    /// The task is killed, the stream yields `Err(TaskError::Timeout)` in its
    /// place and goes on (OTP's `:kill_task`, yielding `{:exit, :timeout}`).
    KillTask,
}

/// Options of [`TaskSupervisor::async_stream_nolink`], with OTP's defaults.
#[derive(Clone, Debug)]
#[must_use = "options do nothing until passed to `async_stream_nolink`"]
pub struct StreamOptions {
    max_concurrency: usize,
    ordered: bool,
    timeout: Option<Duration>,
    on_timeout: OnTimeout,
}

impl Default for StreamOptions {
    /// `max_concurrency` = available parallelism, `ordered`, `timeout` 5 s,
    /// [`OnTimeout::Exit`].
    fn default() -> Self {
        StreamOptions {
            max_concurrency: std::thread::available_parallelism().map_or(1, usize::from),
            ordered: true,
            timeout: Some(DEFAULT_CALL_TIMEOUT),
            on_timeout: OnTimeout::Exit,
        }
    }
}

impl StreamOptions {
    /// At most `n` tasks run at once (at least 1).
    pub fn max_concurrency(mut self, n: usize) -> Self {
        self.max_concurrency = n.max(1);
        self
    }

    /// `true` (default): outcomes come in the order of the input items.
    /// `false`: as tasks finish. Either way up to `max_concurrency` tasks
    /// run at once: with `true`, an outcome that is ready before those of
    /// earlier items waits in the stream (as OTP's does) without holding a
    /// slot.
    pub fn ordered(mut self, ordered: bool) -> Self {
        self.ordered = ordered;
        self
    }

    /// Each task's time limit, from its start (default 5 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// No time limit on tasks (OTP's `timeout: :infinity`).
    pub fn no_timeout(mut self) -> Self {
        self.timeout = None;
        self
    }

    /// What a timeout does (default [`OnTimeout::Exit`]).
    pub fn on_timeout(mut self, on_timeout: OnTimeout) -> Self {
        self.on_timeout = on_timeout;
        self
    }
}

type Outcomes<T> = Pin<Box<dyn Stream<Item = Result<T, TaskError>> + Send>>;

/// Outcomes with the index of their input item, as tasks finish.
type Indexed<T> = Pin<Box<dyn Stream<Item = (usize, Result<T, TaskError>)> + Send>>;

/// The stream of outcomes returned by
/// [`TaskSupervisor::async_stream_nolink`]: one `Result` per input item.
///
/// Lazy, like OTP's: no task starts before the stream is polled, and input
/// items are pulled only as task slots free up. Dropping the stream kills
/// the tasks it still runs.
#[must_use = "streams do nothing unless polled"]
pub struct TaskStream<T> {
    /// `None` once ended by a timeout under [`OnTimeout::Exit`].
    inner: Option<Outcomes<T>>,
    exit_on_timeout: bool,
}

impl<T> Stream for TaskStream<T> {
    type Item = Result<T, TaskError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let Some(inner) = self.inner.as_mut() else {
            return Poll::Ready(None);
        };
        let item = std::task::ready!(inner.as_mut().poll_next(cx));
        if self.exit_on_timeout && matches!(item, Some(Err(TaskError::Timeout))) {
            // Dropping the inner stream kills the tasks still running.
            self.inner = None;
        }
        Poll::Ready(item)
    }
}

impl<T> fmt::Debug for TaskStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskStream")
            .field("ended", &self.inner.is_none())
            .finish()
    }
}

/// Puts the outcomes of a stream of `(index, outcome)` pairs, which come as
/// tasks finish, back in index order. A timeout that ends the stream
/// ([`OnTimeout::Exit`]) is passed on at once, as OTP's caller exits at once.
struct Reordered<T> {
    inner: Indexed<T>,
    /// The index of the next outcome to yield.
    next: usize,
    /// Outcomes that finished before the `next` one.
    ready: BTreeMap<usize, Result<T, TaskError>>,
    exit_on_timeout: bool,
}

impl<T> Stream for Reordered<T> {
    type Item = Result<T, TaskError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(outcome) = this.ready.remove(&this.next) {
                this.next += 1;
                return Poll::Ready(Some(outcome));
            }
            match std::task::ready!(this.inner.as_mut().poll_next(cx)) {
                Some((i, outcome)) if i == this.next => {
                    this.next += 1;
                    return Poll::Ready(Some(outcome));
                }
                Some((_, Err(TaskError::Timeout))) if this.exit_on_timeout => {
                    return Poll::Ready(Some(Err(TaskError::Timeout)));
                }
                Some((i, outcome)) => {
                    this.ready.insert(i, outcome);
                }
                // Every task has ended, so the next outcome was yielded.
                None => return Poll::Ready(None),
            }
        }
    }
}

/// Kills the task when dropped unless disarmed: a stream dropped early does
/// not leave its tasks running.
struct KillOnDrop(Option<Pid>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(pid) = self.0.take() {
            pid.kill();
        }
    }
}

impl TaskSupervisor {
    /// Runs `f(item)` as a task under this supervisor for each item of
    /// `items`, at most `options.max_concurrency` at a time, and yields each
    /// task's outcome (OTP's `Task.Supervisor.async_stream_nolink/4`).
    ///
    /// Tasks are not linked to the consumer: a panicking task yields
    /// `Err(TaskError::Exited(Panic(..)))` and the stream goes on. A task that
    /// outlives `options.timeout` is killed and yields `Err(Timeout)`; with
    /// [`OnTimeout::Exit`] that is the stream's last item. A task the
    /// supervisor refuses (limit reached, stopped) yields
    /// `Err(TaskError::NotStarted(..))`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use futures_util::stream::{self, StreamExt};
    /// use gen_server::task::{StreamOptions, TaskSupervisor};
    ///
    /// let tasks = TaskSupervisor::start();
    /// let squares: Vec<_> = tasks
    ///     .async_stream_nolink(stream::iter(1..=4), |n: u64| async move { n * n },
    ///                          StreamOptions::default().max_concurrency(2))
    ///     .map(Result::unwrap)
    ///     .collect()
    ///     .await;
    /// assert_eq!(squares, [1, 4, 9, 16]);
    /// # }
    /// ```
    ///
    /// # Panics
    /// The stream panics if polled outside a tokio runtime.
    pub fn async_stream_nolink<S, F, Fut>(
        &self,
        items: S,
        mut f: F,
        options: StreamOptions,
    ) -> TaskStream<Fut::Output>
    where
        S: Stream + Send + 'static,
        F: FnMut(S::Item) -> Fut + Send + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: Send + 'static,
    {
        let supervisor = self.clone();
        let timeout = options.timeout;
        let tasks = items.map(move |item| {
            let future = f(item);
            let supervisor = supervisor.clone();
            async move {
                let task = supervisor.async_nolink(future)?;
                let mut guard = KillOnDrop(Some(task.pid().clone()));
                let outcome = task.join_within(timeout).await;
                guard.0 = None;
                outcome
            }
        });
        let exit_on_timeout = options.on_timeout == OnTimeout::Exit;
        let inner: Outcomes<_> = if options.ordered {
            let indexed = tasks
                .enumerate()
                .map(|(i, task)| async move { (i, task.await) })
                .buffer_unordered(options.max_concurrency);
            Box::pin(Reordered {
                inner: Box::pin(indexed),
                next: 0,
                ready: BTreeMap::new(),
                exit_on_timeout,
            })
        } else {
            Box::pin(tasks.buffer_unordered(options.max_concurrency))
        };
        TaskStream {
            inner: Some(inner),
            exit_on_timeout,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_options_are_otps() {
        let options = StreamOptions::default();
        let schedulers = std::thread::available_parallelism().map_or(1, usize::from);
        assert_eq!(options.max_concurrency, schedulers);
        assert!(options.ordered);
        assert_eq!(options.timeout, Some(Duration::from_secs(5)));
        assert_eq!(options.on_timeout, OnTimeout::Exit);
        assert_eq!(
            StreamOptions::default().max_concurrency(0).max_concurrency,
            1
        );
    }
}
