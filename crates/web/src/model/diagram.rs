//! From a trace to what the diagram draws: arrows for messages, bars for spans, pauses and downtime, marks for
//! faults and notes, breaches with their causes, and the scenario's declared series.

use super::{Arrow, Bar, BarKind, BreachInfo, Fate, Mark, Model, Series, LEFT, MIN_GAP};
use faultline_sim::{Aggregate, EventKind, Fault, NodeId, Severity, Tone, View};

impl Model {
    pub(super) fn collect(&mut self) {
        let trace = self.trace.clone();
        // What the scenario declared to be drawn: its pause label and its charts.
        let info = faultline_scenarios::find(&trace.scenario).map(|s| s.info());
        self.pause_label = info.map_or("paused", |i| i.pause_label);
        for view in info.map_or(&[][..], |i| i.views) {
            if let View::Charts(specs) = view {
                self.series.extend(specs.iter().map(|s| Series {
                    metric: s.metric,
                    label: s.label,
                    aggregate: s.aggregate,
                    points: Vec::new(),
                    per_node: vec![0; trace.nodes.len()],
                }));
            }
        }
        // Message ids count up from 0 in send order, so arrow i is message i; a map is not needed.
        let n = trace.nodes.len();
        let mut open_span: Vec<(NodeId, &str, usize)> = Vec::new();
        let mut open_pause: Vec<Option<usize>> = vec![None; n];
        let mut open_down: Vec<Option<usize>> = vec![None; n];
        let names = |id: NodeId| trace.node_name(id);
        for e in &trace.events {
            let x = self.x_of_step(e.step);
            match &e.kind {
                EventKind::Send { from, to, id, label, arrives_at_us, dup } => {
                    self.arrows.push(Arrow {
                        id: *id,
                        from: *from,
                        to: *to,
                        label: if *dup { format!("{label} (dup)").into() } else { label.clone() },
                        send_step: e.step,
                        end_step: None,
                        fate: Fate::Pending,
                        send_us: e.at_us,
                        arrive_us: *arrives_at_us,
                        x1: x,
                        y1: self.lane_y(*from),
                        x2: self.x_of_time(*arrives_at_us),
                        y2: self.lane_y(*to),
                    });
                }
                EventKind::Deliver { id, .. } | EventKind::Drop { id, .. } => {
                    // It arrived when it was handled, less any wait for a paused receiver.
                    let (fate, arrived) = match e.kind {
                        EventKind::Deliver { waited_us, .. } => (Fate::Delivered, e.at_us.saturating_sub(waited_us)),
                        _ => (Fate::Dropped, e.at_us),
                    };
                    let x2 = self.x_of_time(arrived);
                    // Arrows are in id order; a crowd keeps only some messages, so look the id up.
                    let at = self.arrows.binary_search_by_key(id, |a| a.id).ok();
                    if let Some(a) = at.and_then(|i| self.arrows.get_mut(i)) {
                        a.end_step = Some(e.step);
                        a.fate = fate;
                        a.arrive_us = arrived;
                        a.x2 = x2;
                    }
                }
                EventKind::SpanOpen { node, key, label, tone } => {
                    open_span.push((*node, key.as_ref(), self.bars.len()));
                    self.bars.push(Bar {
                        node: *node,
                        kind: BarKind::Span,
                        label: label.to_string(),
                        tone: *tone,
                        start_step: e.step,
                        end_step: None,
                        x1: x,
                        x2: f64::NAN,
                    });
                }
                EventKind::SpanClose { node, key } => {
                    if let Some(i) = take_open(&mut open_span, |(n, k, _)| n == node && k == key) {
                        self.bars[i].end_step = Some(e.step);
                        self.bars[i].x2 = x;
                    }
                }
                EventKind::Fault { fault } => {
                    self.notable.push(e.step);
                    self.faults.push((e.step, fault.clone()));
                    match fault {
                        Fault::Pause { node, for_us } => {
                            let Some(slot) = open_pause.get_mut(*node as usize) else { continue };
                            if slot.is_some() {
                                continue;
                            }
                            *slot = Some(self.bars.len());
                            self.bars.push(Bar {
                                node: *node,
                                kind: BarKind::Pause,
                                label: self.pause_label.into(),
                                tone: Tone::Warn,
                                start_step: e.step,
                                end_step: None,
                                x1: x,
                                x2: self.x_of_time(e.at_us.saturating_add(*for_us)),
                            });
                        }
                        Fault::Crash { node } => {
                            // A crashed process holds nothing any more: its spans end here.
                            while let Some(i) = take_open(&mut open_span, |(n, _, _)| n == node) {
                                self.bars[i].end_step = Some(e.step);
                                self.bars[i].x2 = x;
                            }
                            if let Some(slot @ None) = open_down.get_mut(*node as usize) {
                                *slot = Some(self.bars.len());
                                self.bars.push(Bar {
                                    node: *node,
                                    kind: BarKind::Down,
                                    label: "down".into(),
                                    tone: Tone::Bad,
                                    start_step: e.step,
                                    end_step: None,
                                    x1: x,
                                    x2: f64::NAN,
                                });
                            }
                            if let Some(i) = open_pause.get_mut(*node as usize).and_then(Option::take) {
                                self.bars[i].end_step = Some(e.step);
                                self.bars[i].x2 = x;
                            }
                        }
                        other => {
                            for node in other.nodes().into_iter().take(1) {
                                self.marks.push(Mark {
                                    node,
                                    step: e.step,
                                    x,
                                    text: other.describe(&names),
                                    tone: Tone::Warn,
                                    durable: false,
                                });
                            }
                        }
                    }
                }
                EventKind::Resume { node } => {
                    if let Some(i) = open_pause.get_mut(*node as usize).and_then(Option::take) {
                        self.bars[i].end_step = Some(e.step);
                        self.bars[i].x2 = x;
                    }
                }
                EventKind::Start { node } => {
                    if let Some(i) = open_down.get_mut(*node as usize).and_then(Option::take) {
                        self.bars[i].end_step = Some(e.step);
                        self.bars[i].x2 = x;
                    }
                }
                EventKind::Note { node, text, tone } => self.marks.push(Mark {
                    node: *node,
                    step: e.step,
                    x,
                    text: text.clone(),
                    tone: *tone,
                    durable: false,
                }),
                EventKind::Persist { node } => self.marks.push(Mark {
                    node: *node,
                    step: e.step,
                    x,
                    text: "written to its durable log: survives a crash".into(),
                    tone: Tone::Neutral,
                    durable: true,
                }),
                EventKind::Breach(b) => {
                    if b.severity == Severity::Violation {
                        self.notable.push(e.step);
                    }
                    self.breaches.push(BreachInfo {
                        step: e.step,
                        at_us: e.at_us,
                        invariant: b.invariant.clone(),
                        severity: b.severity,
                        message: b.message.clone(),
                        causes: b.steps.clone(),
                    });
                }
                EventKind::Metric { node, name, value } => {
                    // Only declared series are charted.
                    let Some(s) = self.series.iter_mut().find(|s| s.metric == name) else { continue };
                    if let Some(v) = s.per_node.get_mut(*node as usize) {
                        *v = *value;
                    }
                    let v = match s.aggregate {
                        Aggregate::Latest => *value,
                        Aggregate::Max => s.per_node.iter().copied().max().unwrap_or(0),
                        Aggregate::Sum => s.per_node.iter().sum(),
                    };
                    if s.points.last().is_none_or(|p| p.2 != v) {
                        s.points.push((e.step, e.at_us, v));
                    }
                }
                EventKind::Timer { .. } => {}
            }
        }
        let end_x = self.step_x.last().copied().unwrap_or(LEFT) + MIN_GAP;
        for b in &mut self.bars {
            if b.x2.is_nan() {
                b.x2 = end_x;
            }
        }
        for v in &trace.views {
            if let Some(list) = self.recorded_views.get_mut(v.node as usize) {
                list.push((v.step, v.condition, v.view.clone()));
            }
        }
        self.notable.dedup();
    }
}

/// Remove the first open span matching `f`, giving its bar's index.
fn take_open(open: &mut Vec<(NodeId, &str, usize)>, f: impl Fn(&(NodeId, &str, usize)) -> bool) -> Option<usize> {
    let i = open.iter().position(f)?;
    Some(open.remove(i).2)
}
