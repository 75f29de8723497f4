//! The supervisor itself: a gen_server that traps exits, starts its children
//! in order, restarts them by its strategy within its restart intensity, and
//! stops them in reverse order.

use std::fmt;

use tokio::time::Instant;

use super::intensity::Intensity;
use super::spec::{ChildSpec, ChildType, Restart};
use super::{ChildCounts, ChildError, ChildInfo, ChildKey, Strategy, SupervisorSpec};
use crate::prelude::*;
use crate::process;
use crate::shutdown::shut_down;

/// A supervisor (OTP's `Supervisor` and `DynamicSupervisor`): start one
/// from a [`SupervisorSpec`]; talk to it through its handle,
/// [`SupervisorRef`].
pub struct Supervisor {
    strategy: Strategy,
    intensity: Intensity,
    max_children: Option<usize>,
    dynamic: bool,
    /// In start order.
    children: Vec<Child>,
    next_key: u64,
}

struct Child {
    /// Tells children apart even when their ids repeat (dynamic children).
    key: u64,
    spec: ChildSpec,
    /// `None` while not running.
    pid: Option<Pid>,
}

/// Retries the restart of a child whose start failed (OTP's `try_again`).
struct TryAgain(u64);

#[crate::gen_server(handle = SupervisorRef)]
impl Supervisor {
    async fn init(spec: SupervisorSpec, ctx: &mut Context<Self>) -> Result<Self, ChildError> {
        ctx.trap_exit(true);
        let mut supervisor = Supervisor {
            strategy: spec.strategy,
            intensity: Intensity::new(spec.max_restarts, spec.max_seconds),
            max_children: spec.max_children,
            dynamic: spec.dynamic,
            children: Vec::with_capacity(spec.children.len()),
            next_key: 0,
        };
        for child in spec.children {
            if let Err(error) = supervisor.add_child(child, ctx).await {
                // OTP: the children already started are stopped, in reverse.
                supervisor.stop_all(ctx).await;
                return Err(error);
            }
        }
        Ok(supervisor)
    }

    /// Starts a child and adds it to the supervisor (OTP's `start_child`).
    /// Under a static supervisor its id must be new; under a
    /// [dynamic](SupervisorSpec::dynamic) one ids may repeat. Replies with
    /// the child's process.
    #[call]
    async fn start_child(
        &mut self,
        spec: ChildSpec,
        ctx: &mut Context<Self>,
    ) -> Result<Pid, ChildError> {
        if let Some(max) = self.max_children
            && self.children.len() >= max
        {
            return Err(ChildError::MaxChildren(max));
        }
        self.add_child(spec, ctx).await
    }

    /// Stops a child with its shutdown rule (OTP's `terminate_child`). A
    /// static child keeps its spec (see [`restart_child`](Self::restart_child));
    /// a dynamic or temporary one is forgotten.
    #[call]
    async fn terminate_child(
        &mut self,
        child: ChildKey,
        ctx: &mut Context<Self>,
    ) -> Result<(), ChildError> {
        let i = self.find(&child)?;
        self.stop_child(i, ctx).await;
        if self.dynamic || self.children[i].spec.restart == Restart::Temporary {
            self.children.remove(i);
        }
        Ok(())
    }

    /// Starts again a static child that is not running (OTP's
    /// `restart_child`).
    #[call]
    async fn restart_child(&mut self, child: ChildKey) -> Result<Pid, ChildError> {
        let i = self.find(&child)?;
        if let Some(pid) = &self.children[i].pid {
            return Err(ChildError::Running(pid.id()));
        }
        let pid = self.children[i].spec.start().await?;
        self.children[i].pid = Some(pid.clone());
        Ok(pid)
    }

    /// Forgets a static child that is not running (OTP's `delete_child`).
    #[call]
    fn delete_child(&mut self, child: ChildKey) -> Result<(), ChildError> {
        let i = self.find(&child)?;
        if let Some(pid) = &self.children[i].pid {
            return Err(ChildError::Running(pid.id()));
        }
        self.children.remove(i);
        Ok(())
    }

    /// The children, in start order (OTP's `which_children`).
    #[call]
    fn which_children(&self) -> Vec<ChildInfo> {
        self.children
            .iter()
            .map(|c| ChildInfo {
                id: c.spec.id.clone(),
                pid: c.pid.clone(),
                kind: c.spec.kind,
                restart: c.spec.restart,
            })
            .collect()
    }

    /// How many children there are, by kind (OTP's `count_children`).
    #[call]
    fn count_children(&self) -> ChildCounts {
        let mut counts = ChildCounts::default();
        for child in &self.children {
            counts.specs += 1;
            counts.active += usize::from(child.pid.is_some());
            match child.spec.kind {
                ChildType::Worker => counts.workers += 1,
                ChildType::Supervisor => counts.supervisors += 1,
            }
        }
        counts
    }

    /// A child ended (the supervisor traps exits): restart by the strategy,
    /// unless its restart type says not to.
    #[info]
    async fn on_exit(&mut self, exit: Exit, ctx: &mut Context<Self>) {
        let Some(i) = self
            .children
            .iter()
            .position(|c| c.pid.as_ref().is_some_and(|p| p.id() == exit.from))
        else {
            return; // not a current child: one the supervisor already stopped
        };
        self.children[i].pid = None;
        let spec = &self.children[i].spec;
        if !spec.restart.restarts_after(&exit.reason) {
            if self.dynamic || spec.restart == Restart::Temporary {
                self.children.remove(i);
            }
            return;
        }
        tracing::warn!(supervisor = %ctx.id(), child = %spec.id, reason = %exit.reason, "child exited; restarting");
        let key = self.children[i].key;
        self.restart(key, ctx).await;
    }

    #[info]
    async fn try_again(&mut self, again: TryAgain, ctx: &mut Context<Self>) {
        self.restart(again.0, ctx).await;
    }

    /// Stops every child, in reverse start order, each with its shutdown
    /// rule: on a stop, on the parent's exit, and after too many restarts.
    async fn terminate(&mut self, _reason: &ExitReason, ctx: &mut Context<Self>) {
        self.stop_all(ctx).await;
    }
}

impl Supervisor {
    async fn add_child(
        &mut self,
        spec: ChildSpec,
        _ctx: &mut Context<Self>,
    ) -> Result<Pid, ChildError> {
        if !self.dynamic && self.children.iter().any(|c| c.spec.id == spec.id) {
            return Err(ChildError::DuplicateId(spec.id));
        }
        let pid = spec.start().await?;
        self.next_key += 1;
        self.children.push(Child {
            key: self.next_key,
            spec,
            pid: Some(pid.clone()),
        });
        Ok(pid)
    }

    fn find(&self, child: &ChildKey) -> Result<usize, ChildError> {
        self.children
            .iter()
            .position(|c| match child {
                ChildKey::Id(id) => c.spec.id == *id,
                ChildKey::Pid(pid) => c.pid.as_ref().is_some_and(|p| p.id() == *pid),
            })
            .ok_or_else(|| ChildError::NotFound(child.to_string()))
    }

    /// Stops child `i` if it runs: unlinked first, so its end does not come
    /// back as an `Exit` to restart it.
    async fn stop_child(&mut self, i: usize, ctx: &Context<Self>) {
        let Some(pid) = self.children[i].pid.take() else {
            return;
        };
        process::unlink(&*ctx.actor_ref().cell, pid.id());
        shut_down(&pid.process, self.children[i].spec.shutdown, ctx.id()).await;
    }

    async fn stop_all(&mut self, ctx: &Context<Self>) {
        for i in (0..self.children.len()).rev() {
            self.stop_child(i, ctx).await;
        }
    }

    /// Restarts the child with `key` and the children its strategy names,
    /// counting one restart against the intensity.
    async fn restart(&mut self, key: u64, ctx: &mut Context<Self>) {
        let Some(i) = self.children.iter().position(|c| c.key == key) else {
            return;
        };
        if !self.intensity.add(Instant::now()) {
            tracing::error!(supervisor = %ctx.id(), "reached the maximum restart intensity; shutting down");
            ctx.stop(ExitReason::Shutdown);
            return;
        }
        let last = self.children.len() - 1;
        let (first, last) = match self.strategy {
            Strategy::OneForOne => (i, i),
            Strategy::OneForAll => (0, last),
            Strategy::RestForOne => (i, last),
        };
        // The others in the set stop first, in reverse order.
        for j in (first..=last).rev() {
            self.stop_child(j, ctx).await;
        }
        // A temporary child stopped for a sibling is not restarted (OTP).
        let set: Vec<u64> = self.children[first..=last].iter().map(|c| c.key).collect();
        self.children.retain(|c| {
            c.key == key || c.spec.restart != Restart::Temporary || !set.contains(&c.key)
        });
        // Then the set starts again, in order.
        for k in set {
            let Some(c) = self.children.iter_mut().find(|c| c.key == k) else {
                continue;
            };
            match c.spec.start().await {
                Ok(pid) => c.pid = Some(pid),
                Err(error) => {
                    tracing::error!(supervisor = %ctx.id(), %error, "restart failed; trying again");
                    let _ = ctx.actor_ref().send_info(TryAgain(k)).try_send();
                    return;
                }
            }
        }
    }
}

impl fmt::Debug for Supervisor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Supervisor")
            .field("strategy", &self.strategy)
            .field("children", &self.children.len())
            .finish()
    }
}

impl fmt::Debug for TryAgain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TryAgain({})", self.0)
    }
}
