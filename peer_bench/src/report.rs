//! Results: medians, the markdown table, the target check, the TSV that
//! several runs can be combined from, and the SVG chart of the ratios.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// An implementation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Lib {
    Hand,
    GenServer,
    Ractor,
    Kameo,
    Actix,
    /// The hand-written task starter that awaits the `JoinHandle` in its
    /// handler (task round trip only; a lower bound, shown in a note).
    HandAwait,
}

impl Lib {
    pub const PEERS: [Lib; 5] = [
        Lib::Hand,
        Lib::GenServer,
        Lib::Ractor,
        Lib::Kameo,
        Lib::Actix,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Lib::Hand => "hand-written",
            Lib::GenServer => "gen_server",
            Lib::Ractor => "ractor",
            Lib::Kameo => "kameo",
            Lib::Actix => "actix",
            Lib::HandAwait => "hand-written (await JoinHandle)",
        }
    }

    pub fn by_key(key: &str) -> Option<Lib> {
        [Lib::HandAwait]
            .into_iter()
            .chain(Lib::PEERS)
            .find(|lib| lib.key() == key)
    }

    fn key(self) -> &'static str {
        match self {
            Lib::Hand => "hand",
            Lib::GenServer => "gen_server",
            Lib::Ractor => "ractor",
            Lib::Kameo => "kameo",
            Lib::Actix => "actix",
            Lib::HandAwait => "hand_await",
        }
    }
}

/// Which runtime.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Flavor {
    /// tokio's current-thread runtime; actix: its `System` (one thread).
    Current,
    /// tokio's multi-thread runtime with 2 workers; actix: the `System`
    /// thread for the callers and one `Arbiter` thread for the servers.
    Multi,
}

impl Flavor {
    pub const ALL: [Flavor; 2] = [Flavor::Current, Flavor::Multi];

    fn name(self) -> &'static str {
        match self {
            Flavor::Current => "current-thread",
            Flavor::Multi => "2 workers",
        }
    }

    pub fn by_key(key: &str) -> Option<Flavor> {
        Flavor::ALL.into_iter().find(|f| f.key() == key)
    }

    fn key(self) -> &'static str {
        match self {
            Flavor::Current => "current",
            Flavor::Multi => "multi",
        }
    }
}

/// A measured quantity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Row {
    Call,
    Cast,
    FanIn,
    Start,
    Stop,
    Memory,
    Blocks,
    Tasks,
    Down,
    Restart,
}

impl Row {
    const ALL: [Row; 10] = [
        Row::Call,
        Row::Cast,
        Row::FanIn,
        Row::Start,
        Row::Stop,
        Row::Memory,
        Row::Blocks,
        Row::Tasks,
        Row::Down,
        Row::Restart,
    ];

    fn key(self) -> &'static str {
        match self {
            Row::Call => "call",
            Row::Cast => "cast",
            Row::FanIn => "fan_in",
            Row::Start => "start",
            Row::Stop => "stop",
            Row::Memory => "memory",
            Row::Blocks => "blocks",
            Row::Tasks => "tasks",
            Row::Down => "down",
            Row::Restart => "restart",
        }
    }

    /// The row's label in the table.
    fn label(self, sizes: &Sizes) -> String {
        let k = |n: u64| {
            if n >= 1_000_000 && n.is_multiple_of(1_000_000) {
                format!("{}M", n / 1_000_000)
            } else if n >= 1_000 && n.is_multiple_of(1_000) {
                format!("{}k", n / 1_000)
            } else {
                n.to_string()
            }
        };
        match self {
            Row::Call => format!(
                "call round trip ({} sequential calls), per call",
                k(sizes.calls)
            ),
            Row::Cast => format!("cast ({} then one call), per message", k(sizes.casts)),
            Row::FanIn => format!(
                "fan-in ({} callers × {} calls, one server), per call",
                sizes.fan_callers,
                k(sizes.fan_calls)
            ),
            Row::Start => format!("start {} servers (each ready), per server", k(sizes.spawn)),
            Row::Stop => "then stop them, per server".to_string(),
            Row::Memory => format!("heap per idle server ({} servers)", k(sizes.memory)),
            Row::Blocks => "heap blocks per idle server".to_string(),
            Row::Tasks => format!(
                "`async_nolink` task round trip ({} tasks, one at a time), per task",
                k(sizes.tasks)
            ),
            Row::Down => format!(
                "`Down` delivery ({} monitored processes end), per `Down`",
                k(sizes.down)
            ),
            Row::Restart => format!(
                "supervisor restart, panic → replacement answers ({} restarts)",
                k(sizes.restarts)
            ),
        }
    }

    /// The row's short label in the chart.
    fn short(self) -> &'static str {
        match self {
            Row::Call => "call round trip",
            Row::Cast => "cast, per message",
            Row::FanIn => "fan-in, per call",
            Row::Start => "start (ready)",
            Row::Stop => "stop",
            Row::Memory => "heap per idle server",
            Row::Blocks => "heap blocks",
            Row::Tasks => "async_nolink round trip",
            Row::Down => "Down delivery",
            Row::Restart => "supervisor restart",
        }
    }

    fn format(self, v: f64) -> String {
        match self {
            Row::Memory => format!("{v:.0} B"),
            Row::Blocks => format!("{v:.1}"),
            _ => time(v),
        }
    }

    /// Rows measured once: exact, on the current-thread runtime only.
    pub fn exact(self) -> bool {
        matches!(self, Row::Memory | Row::Blocks)
    }
}

fn time(ns: f64) -> String {
    if ns < 100.0 {
        format!("{ns:.1} ns")
    } else if ns < 1_000.0 {
        format!("{ns:.0} ns")
    } else if ns < 1_000_000.0 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{:.2} ms", ns / 1e6)
    }
}

/// The workload sizes.
#[derive(Clone, Debug)]
pub struct Sizes {
    pub calls: u64,
    pub casts: u64,
    pub fan_callers: u64,
    pub fan_calls: u64,
    pub spawn: u64,
    pub memory: u64,
    pub tasks: u64,
    pub down: u64,
    pub restarts: u64,
}

impl Sizes {
    pub fn full() -> Self {
        Sizes {
            calls: 100_000,
            casts: 1_000_000,
            fan_callers: 100,
            fan_calls: 1_000,
            spawn: 10_000,
            memory: 100_000,
            tasks: 100_000,
            down: 10_000,
            restarts: 2_000,
        }
    }

    pub fn quick() -> Self {
        Sizes {
            calls: 10_000,
            casts: 100_000,
            fan_callers: 100,
            fan_calls: 100,
            spawn: 1_000,
            memory: 10_000,
            tasks: 10_000,
            down: 1_000,
            restarts: 200,
        }
    }
}

type Key = (Row, Flavor, Lib);

/// Every sample, by row, runtime and implementation.
#[derive(Default)]
pub struct Results {
    samples: BTreeMap<Key, Vec<f64>>,
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

impl Results {
    pub fn add(&mut self, row: Row, flavor: Flavor, lib: Lib, value: f64) {
        self.samples
            .entry((row, flavor, lib))
            .or_default()
            .push(value);
    }

    pub fn median(&self, row: Row, flavor: Flavor, lib: Lib) -> Option<f64> {
        self.samples.get(&(row, flavor, lib)).map(|v| median(v))
    }

    fn ratio(&self, row: Row, flavor: Flavor, lib: Lib) -> Option<f64> {
        let hand = self.median(row, flavor, Lib::Hand)?;
        Some(self.median(row, flavor, lib)? / hand)
    }

    /// The medians as TSV lines: `row flavor lib median`.
    pub fn to_tsv(&self) -> String {
        let mut out = String::new();
        for (&(row, flavor, lib), values) in &self.samples {
            let _ = writeln!(
                out,
                "{}\t{}\t{}\t{}",
                row.key(),
                flavor.key(),
                lib.key(),
                median(values)
            );
        }
        out
    }

    /// Adds the medians of a TSV written by [`Results::to_tsv`] as samples:
    /// the combined table is then the median of the runs' medians.
    pub fn add_tsv(&mut self, text: &str) -> Result<(), String> {
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let f: Vec<&str> = line.split('\t').collect();
            let [row, flavor, lib, value] = f[..] else {
                return Err(format!("bad line: {line}"));
            };
            let row = Row::ALL.into_iter().find(|r| r.key() == row);
            let flavor = Flavor::by_key(flavor);
            let lib = Lib::by_key(lib);
            let value: Option<f64> = value.parse().ok();
            match (row, flavor, lib, value) {
                (Some(row), Some(flavor), Some(lib), Some(value)) => {
                    self.add(row, flavor, lib, value)
                }
                _ => return Err(format!("bad line: {line}")),
            }
        }
        Ok(())
    }

    /// The (row, runtime) pairs measured, in table order.
    fn lines(&self) -> Vec<(Row, Flavor)> {
        let mut lines = Vec::new();
        for row in Row::ALL {
            for flavor in Flavor::ALL {
                if self.median(row, flavor, Lib::Hand).is_some() {
                    lines.push((row, flavor));
                }
            }
        }
        lines
    }

    /// The markdown table: absolute medians, and each one's ratio to the
    /// hand-written actor's (time or bytes; lower is better).
    pub fn table(&self, sizes: &Sizes) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "| workload | runtime | hand-written | gen_server | ractor | kameo | actix |"
        );
        let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|");
        for (row, flavor) in self.lines() {
            let runtime = if row.exact() {
                "current-thread"
            } else {
                flavor.name()
            };
            let _ = write!(out, "| {} | {runtime} |", row.label(sizes));
            for lib in Lib::PEERS {
                match self.median(row, flavor, lib) {
                    None => out.push_str(" – |"),
                    Some(v) if lib == Lib::Hand => {
                        let _ = write!(out, " {} |", row.format(v));
                    }
                    Some(v) => {
                        let r = self.ratio(row, flavor, lib).unwrap_or(f64::NAN);
                        let v = row.format(v);
                        if lib == Lib::GenServer {
                            let _ = write!(out, " **{v}** ({r:.2}x) |");
                        } else {
                            let _ = write!(out, " {v} ({r:.2}x) |");
                        }
                    }
                }
            }
            out.push('\n');
        }
        for flavor in Flavor::ALL {
            if let Some(v) = self.median(Row::Tasks, flavor, Lib::HandAwait) {
                let ratio = self
                    .median(Row::Tasks, flavor, Lib::GenServer)
                    .map(|g| format!(", gen_server {:.2}x that", g / v))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "\nTask round trip, {}: the hand-written actor awaiting each `JoinHandle` in its handler (a lower bound) takes {}{ratio}.",
                    flavor.name(),
                    time(v)
                );
            }
        }
        out
    }

    /// The targets, one line each, with "met" or "MISSED".
    pub fn targets(&self) -> String {
        let mut out = String::new();
        let mut check = |what: String, ok: bool| {
            let verdict = if ok { "met" } else { "MISSED" };
            let _ = writeln!(out, "- {what}: {verdict}");
        };
        for flavor in Flavor::ALL {
            for (row, limit, what) in [
                (Row::Call, 1.15, "call round trip within 1.15x"),
                (Row::Start, 1.15, "start (spawn) within 1.15x"),
                (
                    Row::Cast,
                    1.0 / 0.9,
                    "cast throughput at least 0.9x (time per message at most 1.11x)",
                ),
            ] {
                if let Some(r) = self.ratio(row, flavor, Lib::GenServer) {
                    check(
                        format!("{what} of hand-written, {}: {r:.2}x", flavor.name()),
                        r <= limit,
                    );
                }
            }
        }
        for (row, flavor) in self.lines() {
            if row == Row::Blocks {
                continue;
            }
            let Some(gs) = self.median(row, flavor, Lib::GenServer) else {
                continue;
            };
            for lib in [Lib::Ractor, Lib::Kameo, Lib::Actix] {
                if let Some(peer) = self.median(row, flavor, lib) {
                    check(
                        format!(
                            "gen_server ahead of {} on {}, {}: {} vs {} ({:.2}x its figure)",
                            lib.name(),
                            row.short(),
                            flavor.name(),
                            row.format(gs),
                            row.format(peer),
                            gs / peer
                        ),
                        gs < peer,
                    );
                }
            }
        }
        out
    }

    /// Draws the ratios to the hand-written actor as a horizontal bar chart
    /// (log scale), one group of bars per row and runtime.
    pub fn chart(&self, path: &Path, subtitle: &str) -> Result<(), Box<dyn std::error::Error>> {
        let libs = [Lib::GenServer, Lib::Ractor, Lib::Kameo, Lib::Actix];
        let colors = [
            RGBColor(0xd6, 0x27, 0x28),
            RGBColor(0x1f, 0x77, 0xb4),
            RGBColor(0x2c, 0xa0, 0x2c),
            RGBColor(0x94, 0x67, 0xbd),
        ];
        let groups: Vec<(String, Vec<(usize, f64)>)> = self
            .lines()
            .into_iter()
            .filter(|(row, _)| *row != Row::Blocks)
            .map(|(row, flavor)| {
                let label = if row.exact() {
                    row.short().to_string()
                } else {
                    format!("{}, {}", row.short(), flavor.name())
                };
                let bars = libs
                    .iter()
                    .enumerate()
                    .filter_map(|(i, &lib)| Some((i, self.ratio(row, flavor, lib)?)))
                    .collect();
                (label, bars)
            })
            .collect();
        let all = groups.iter().flat_map(|(_, b)| b.iter().map(|&(_, r)| r));
        let (lo, hi) = all.fold((1.0f64, 1.0f64), |(lo, hi), r| (lo.min(r), hi.max(r)));
        let (lo, hi) = (
            10f64.powf((lo * 0.8).log10().floor()),
            10f64.powf((hi * 1.6).log10().ceil()),
        );

        let n = groups.len();
        let height = 140 + 46 * n as u32;
        let root = SVGBackend::new(path, (1100, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let (title, body) = root.split_vertically(60);
        title.draw(&Text::new(
            "Each library's figure ÷ the hand-written tokio actor's (time or bytes; lower is better)",
            (10, 8),
            ("sans-serif", 20).into_font(),
        ))?;
        title.draw(&Text::new(
            subtitle.to_string(),
            (10, 34),
            ("sans-serif", 14).into_font().color(&RGBColor(80, 80, 80)),
        ))?;
        let mut chart = ChartBuilder::on(&body)
            .margin_right(30)
            .margin_bottom(10)
            .x_label_area_size(40)
            .y_label_area_size(300)
            .build_cartesian_2d((lo..hi).log_scale(), 0f64..n as f64)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_desc("ratio to hand-written (log scale; 1 = the hand-written actor)")
            .x_label_formatter(&|x| format!("{x}x"))
            .draw()?;

        let slot = 0.84 / libs.len() as f64;
        // Every library's bars first, then every value: a value drawn before
        // the next library's bars would be hidden under them.
        let mut values = Vec::new();
        for (lib_index, (&lib, &color)) in libs.iter().zip(&colors).enumerate() {
            let bars: Vec<_> = groups
                .iter()
                .enumerate()
                .filter_map(|(g, (_, bars))| {
                    let &(_, r) = bars.iter().find(|(i, _)| *i == lib_index)?;
                    let top = (n - g) as f64 - 0.08 - slot * lib_index as f64;
                    Some((r, top))
                })
                .collect();
            chart
                .draw_series(bars.iter().map(|&(r, top)| {
                    Rectangle::new([(lo, top - slot * 0.9), (r, top)], color.filled())
                }))?
                .label(lib.name())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 14, y + 6)], color.filled())
                });
            values.extend(bars);
        }
        let value_style = ("sans-serif", 10)
            .into_font()
            .into_text_style(&root)
            .pos(Pos::new(HPos::Left, VPos::Center));
        chart.draw_series(values.iter().map(|&(r, top)| {
            Text::new(
                format!("{r:.2}"),
                (r * 1.03, top - slot * 0.45),
                value_style.clone(),
            )
        }))?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(1.0, 0.0), (1.0, n as f64)],
            BLACK.stroke_width(2),
        )))?;
        for g in 1..n {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(lo, g as f64), (hi, g as f64)],
                RGBColor(200, 200, 200).stroke_width(1),
            )))?;
        }
        for (g, (label, _)) in groups.iter().enumerate() {
            let y = (n - g) as f64 - 0.5;
            let (x_px, y_px) = chart.backend_coord(&(lo, y));
            root.draw(&Text::new(
                label.clone(),
                (x_px - 292, y_px - 7),
                ("sans-serif", 14).into_font(),
            ))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()?;
        root.present()?;
        Ok(())
    }
}
