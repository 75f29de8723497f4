//! A server callable from other nodes: plain, deferred and `Context`
//! handlers, struct and enum arguments, casts.
use gen_server::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct Point {
    pub x: i32,
    pub y: i32,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    Dot,
    Circle(u32),
}

pub struct Canvas {
    shapes: Vec<(Point, Shape)>,
}

#[gen_server(remote)]
impl Canvas {
    fn init() -> Self {
        Canvas { shapes: Vec::new() }
    }

    #[call]
    fn draw(&mut self, at: Point, shape: Shape) -> usize {
        self.shapes.push((at, shape));
        self.shapes.len()
    }

    #[call]
    fn count_later(&mut self, reply: ReplyTo<usize>) {
        reply.send(self.shapes.len());
    }

    #[call]
    fn clear(&mut self, ctx: &mut Context<Self>) -> Option<String> {
        let _ = ctx.id();
        self.shapes.clear();
        None
    }

    #[cast]
    fn reset(&mut self) {
        self.shapes.clear();
    }
}

fn main() {}
