//! `async_stream_nolink`: a supervised task per item of a stream, with
//! bounded concurrency, yielding the outcomes as a stream.

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
    /// `false`: as tasks finish, which keeps all `max_concurrency` slots busy
    /// when durations differ.
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
        let inner: Outcomes<_> = if options.ordered {
            Box::pin(tasks.buffered(options.max_concurrency))
        } else {
            Box::pin(tasks.buffer_unordered(options.max_concurrency))
        };
        TaskStream {
            inner: Some(inner),
            exit_on_timeout: options.on_timeout == OnTimeout::Exit,
        }
    }
}
