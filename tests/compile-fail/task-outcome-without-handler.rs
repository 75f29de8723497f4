use gen_server::prelude::*;
use gen_server::task::TaskSupervisor;

struct Worker {
    tasks: TaskSupervisor,
}

#[gen_server]
impl Worker {
    fn init(tasks: TaskSupervisor) -> Self {
        Worker { tasks }
    }

    #[cast]
    fn work(&mut self, ctx: &mut Context<Self>) {
        // The outcome is a `TaskOutcome<u64>`, which no `#[info]` handler takes.
        let _ = ctx.async_nolink(&self.tasks, async { 42u64 });
    }
}

fn main() {}
