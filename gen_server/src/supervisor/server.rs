//! The supervisor itself: a gen_server that traps exits, starts its children
//! in order, restarts them by its strategy within its restart intensity, and
//! stops them in reverse order.

use std::fmt;

use tokio::time::Instant;

use super::intensity::Intensity;
use super::spec::{ChildSpec, ChildType, Restart};
use super::{ChildCounts, ChildError, ChildInfo, ChildKey, ChildState, Strategy, SupervisorSpec};
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
    instance: Instance,
}

/// A child's process, if it has one now.
enum Instance {
    Running(Pid),
    /// Its restart failed; a [`TryAgain`] for it is queued. Only a child in
    /// this state is restarted by that `TryAgain`: one stopped or restarted
    /// by a request in between is left alone.
    Restarting,
    Stopped,
}

impl Child {
    fn pid(&self) -> Option<&Pid> {
        match &self.instance {
            Instance::Running(pid) => Some(pid),
            Instance::Restarting | Instance::Stopped => None,
        }
    }

    fn state(&self) -> ChildState {
        match self.instance {
            Instance::Running(_) => ChildState::Running,
            Instance::Restarting => ChildState::Restarting,
            Instance::Stopped => ChildState::Stopped,
        }
    }

    /// Refuses a request that needs the child not running.
    fn check_stopped(&self) -> Result<(), ChildError> {
        match &self.instance {
            Instance::Running(pid) => Err(ChildError::Running(pid.id())),
            Instance::Restarting => Err(ChildError::Restarting(self.spec.id.clone())),
            Instance::Stopped => Ok(()),
        }
    }

    /// Whether the supervisor forgets the child once it is not running: a
    /// dynamic child, or a temporary one (OTP keeps neither).
    fn forgotten_when_stopped(&self, dynamic: bool) -> bool {
        dynamic || self.spec.restart == Restart::Temporary
    }
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
    /// the child's process, or `None` if its `init` returned
    /// [`Init::Ignore`](crate::Init::Ignore) (OTP's `{:ok, :undefined}` and
    /// `:ignore`): a static supervisor then keeps the child, not running
    /// ([`ChildState::Stopped`], startable with
    /// [`restart_child`](Self::restart_child)); a dynamic supervisor, or a
    /// temporary child, is left as if it had not been asked.
    #[call]
    async fn start_child(
        &mut self,
        spec: ChildSpec,
        ctx: &mut Context<Self>,
    ) -> Result<Option<Pid>, ChildError> {
        if let Some(max) = self.max_children
            && self.children.len() >= max
        {
            return Err(ChildError::MaxChildren(max));
        }
        self.add_child(spec, ctx).await
    }

    /// Stops a child with its shutdown rule (OTP's `terminate_child`). A
    /// static child keeps its spec (see [`restart_child`](Self::restart_child));
    /// a dynamic or temporary one is forgotten. A child whose restart is
    /// waiting to be tried again is not retried.
    #[call]
    async fn terminate_child(
        &mut self,
        child: ChildKey,
        ctx: &mut Context<Self>,
    ) -> Result<(), ChildError> {
        let i = self.find(&child)?;
        self.stop_child(i, ctx).await;
        if self.children[i].forgotten_when_stopped(self.dynamic) {
            self.children.remove(i);
        }
        Ok(())
    }

    /// Starts again a static child that is stopped (OTP's `restart_child`).
    /// Replies with its process, or `None` if it asked to be ignored (it
    /// stays stopped).
    ///
    /// # Errors
    /// [`ChildError::Running`] if it runs, [`ChildError::Restarting`] if its
    /// failed restart is waiting to be tried again, or why it did not start.
    #[call]
    async fn restart_child(&mut self, child: ChildKey) -> Result<Option<Pid>, ChildError> {
        let i = self.find(&child)?;
        self.children[i].check_stopped()?;
        let pid = self.children[i].spec.start().await?;
        if let Some(pid) = &pid {
            self.children[i].instance = Instance::Running(pid.clone());
        }
        Ok(pid)
    }

    /// Forgets a static child that is stopped (OTP's `delete_child`).
    ///
    /// # Errors
    /// [`ChildError::Running`] if it runs, [`ChildError::Restarting`] if its
    /// failed restart is waiting to be tried again.
    #[call]
    fn delete_child(&mut self, child: ChildKey) -> Result<(), ChildError> {
        let i = self.find(&child)?;
        self.children[i].check_stopped()?;
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
                pid: c.pid().cloned(),
                state: c.state(),
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
            counts.active += usize::from(child.pid().is_some());
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
            .position(|c| c.pid().is_some_and(|p| p.id() == exit.from))
        else {
            return; // not a current child: one the supervisor already stopped
        };
        let child = &mut self.children[i];
        child.instance = Instance::Stopped;
        if !child.spec.restart.restarts_after(&exit.reason) {
            tracing::debug!(supervisor = %ctx.id(), child = %child.spec.id, reason = %exit.reason, restart = ?child.spec.restart, "child exited; not restarted");
            if child.forgotten_when_stopped(self.dynamic) {
                self.children.remove(i);
            }
            return;
        }
        tracing::warn!(supervisor = %ctx.id(), child = %child.spec.id, reason = %exit.reason, "child exited");
        let key = child.key;
        self.restart(key, ctx).await;
    }

    /// Retries a failed restart, if the child is still waiting for it.
    #[info]
    async fn try_again(&mut self, again: TryAgain, ctx: &mut Context<Self>) {
        let waiting = self
            .children
            .iter()
            .any(|c| c.key == again.0 && matches!(c.instance, Instance::Restarting));
        if waiting {
            self.restart(again.0, ctx).await;
        }
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
        ctx: &mut Context<Self>,
    ) -> Result<Option<Pid>, ChildError> {
        if !self.dynamic && self.children.iter().any(|c| c.spec.id == spec.id) {
            return Err(ChildError::DuplicateId(spec.id));
        }
        let pid = spec.start().await?;
        let instance = match &pid {
            Some(pid) => {
                tracing::debug!(supervisor = %ctx.id(), child = %spec.id, pid = %pid.id(), "child started");
                Instance::Running(pid.clone())
            }
            None => {
                tracing::info!(supervisor = %ctx.id(), child = %spec.id, "child ignored its start");
                if self.dynamic || spec.restart == Restart::Temporary {
                    return Ok(None);
                }
                Instance::Stopped
            }
        };
        self.next_key += 1;
        self.children.push(Child {
            key: self.next_key,
            spec,
            instance,
        });
        Ok(pid)
    }

    fn find(&self, child: &ChildKey) -> Result<usize, ChildError> {
        self.children
            .iter()
            .position(|c| match child {
                ChildKey::Id(id) => c.spec.id == *id,
                ChildKey::Pid(pid) => c.pid().is_some_and(|p| p.id() == *pid),
            })
            .ok_or_else(|| ChildError::NotFound(child.to_string()))
    }

    /// Stops child `i` (it is then [`Instance::Stopped`]; a queued
    /// `TryAgain` for it does nothing). A running child is unlinked first,
    /// so that its end does not come back as an `Exit` to restart it.
    async fn stop_child(&mut self, i: usize, ctx: &Context<Self>) {
        let child = &mut self.children[i];
        let Instance::Running(pid) = std::mem::replace(&mut child.instance, Instance::Stopped)
        else {
            return;
        };
        process::unlink(&*ctx.actor_ref().cell, pid.id());
        let reason = shut_down(&pid.process, child.spec.shutdown, ctx.id()).await;
        tracing::debug!(supervisor = %ctx.id(), child = %child.spec.id, %reason, "child stopped");
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
            tracing::error!(supervisor = %ctx.id(), child = %self.children[i].spec.id, "reached the maximum restart intensity; shutting down");
            // `terminate` stops the others, in reverse order.
            self.children[i].instance = Instance::Stopped;
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
            let Some(j) = self.children.iter().position(|c| c.key == k) else {
                continue;
            };
            let child = &mut self.children[j];
            match child.spec.start().await {
                Ok(Some(pid)) => {
                    tracing::debug!(supervisor = %ctx.id(), child = %child.spec.id, pid = %pid.id(), "child restarted");
                    child.instance = Instance::Running(pid);
                }
                // OTP: an `:ignore` leaves the child stopped; it is not a
                // failed restart and is not retried.
                Ok(None) => {
                    tracing::info!(supervisor = %ctx.id(), child = %child.spec.id, "child ignored its restart; left stopped");
                    if child.forgotten_when_stopped(self.dynamic) {
                        self.children.remove(j);
                    }
                }
                Err(error) => {
                    tracing::error!(supervisor = %ctx.id(), %error, "restart failed; trying again");
                    child.instance = Instance::Restarting;
                    // After the requests already queued (OTP casts to itself).
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
