//! The report's charts, drawn on the server as SVG text (the wasm carries no chart code).
//!
//! Readable without colour (WCAG 1.4.1): each series has its own fill pattern (solid,
//! stripes, dots) and every bar is labelled in words with its series and value, so neither
//! the legend nor colour is needed to read it. Each chart is `role="img"` named by its
//! `<title>` and described by its `<desc>`, which states every value (WCAG 1.1.1); the
//! table on the page holds the same figures.

use super::types::{Report, ReportRow};
use html_escape::{encode_double_quoted_attribute as attribute, encode_text as text};
use std::fmt::Write as _;

/// One bar: its value for the scale and its words ("12", "5.5 h", "none").
struct Bar {
    value: f64,
    words: String,
}

struct Chart<'a> {
    id: &'a str,
    title: &'a str,
    series: [&'a str; 2],
    /// (team, one bar per series)
    groups: Vec<(String, [Bar; 2])>,
}

const WIDTH: f64 = 720.0;
const LABEL_WIDTH: f64 = 210.0;
const BAR_HEIGHT: f64 = 20.0;
const GROUP_GAP: f64 = 14.0;
const LEGEND_HEIGHT: f64 = 30.0;
/// Room at the right of the longest bar for its words.
const WORDS_WIDTH: f64 = 190.0;

/// The three charts of a report: messages, first response times, backlog and overdue. A
/// facility's "All teams" row is left out: it would dwarf the teams' bars.
pub fn report_charts(report: &Report) -> Vec<String> {
    let teams: Vec<&ReportRow> = if report.rows.len() > 1 {
        report.rows[..report.rows.len() - 1].iter().collect()
    } else {
        report.rows.iter().collect()
    };
    let count = |n: i64| Bar {
        value: n as f64,
        words: n.to_string(),
    };
    let hours = |ms: Option<i64>| match ms {
        Some(ms) => Bar {
            value: ms as f64 / 3_600_000.0,
            words: format!("{:.1} h", ms as f64 / 3_600_000.0),
        },
        None => Bar {
            value: 0.0,
            words: "none answered".to_string(),
        },
    };
    let messages = Chart {
        id: "chart-messages",
        title: "Messages in the range",
        series: ["From Veterans", "From staff"],
        groups: teams
            .iter()
            .map(|r| {
                (
                    r.label.clone(),
                    [count(r.veteran_messages), count(r.staff_messages)],
                )
            })
            .collect(),
    };
    let responses = Chart {
        id: "chart-responses",
        title: "First response time in business hours",
        series: ["Median", "90th percentile"],
        groups: teams
            .iter()
            .map(|r| {
                (
                    r.label.clone(),
                    [hours(r.median_response_ms), hours(r.p90_response_ms)],
                )
            })
            .collect(),
    };
    let backlog = Chart {
        id: "chart-backlog",
        title: "Backlog and overdue at the end of the range",
        series: ["Backlog", "Overdue"],
        groups: teams
            .iter()
            .map(|r| (r.label.clone(), [count(r.backlog), count(r.overdue)]))
            .collect(),
    };
    [messages, responses, backlog].iter().map(draw).collect()
}

fn draw(chart: &Chart) -> String {
    let id = chart.id;
    let group_height = 2.0 * BAR_HEIGHT + GROUP_GAP;
    let height = LEGEND_HEIGHT + group_height * chart.groups.len().max(1) as f64 + 10.0;
    let max = chart
        .groups
        .iter()
        .flat_map(|(_, bars)| bars.iter().map(|b| b.value))
        .fold(0.0_f64, f64::max);
    let scale = if max > 0.0 {
        (WIDTH - LABEL_WIDTH - WORDS_WIDTH) / max
    } else {
        0.0
    };
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" class=\"sm-chart\" \
         viewBox=\"0 0 {WIDTH} {height}\" aria-labelledby=\"{id}-title {id}-desc\">\
         <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>\
         <defs>\
         <pattern id=\"{id}-stripes\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" \
           patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#ffffff\"/>\
           <rect width=\"3\" height=\"6\" fill=\"#1b1b1b\"/></pattern>\
         </defs>",
        text(chart.title),
        text(&description(chart)),
    );
    let fills = ["#1a4480".to_string(), format!("url(#{id}-stripes)")];
    // Legend: a swatch of each pattern and its name.
    for (index, name) in chart.series.iter().enumerate() {
        let x = LABEL_WIDTH + index as f64 * 200.0;
        let _ = write!(
            svg,
            "<rect x=\"{x}\" y=\"6\" width=\"16\" height=\"16\" fill=\"{}\" stroke=\"#1b1b1b\"/>\
             <text x=\"{}\" y=\"19\" font-size=\"14\">{}</text>",
            attribute(&fills[index]),
            x + 22.0,
            text(name),
        );
    }
    for (row, (label, bars)) in chart.groups.iter().enumerate() {
        let top = LEGEND_HEIGHT + row as f64 * group_height;
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" font-size=\"14\" text-anchor=\"end\">{}</text>",
            LABEL_WIDTH - 8.0,
            top + BAR_HEIGHT + 4.0,
            text(label),
        );
        for (index, bar) in bars.iter().enumerate() {
            let y = top + index as f64 * BAR_HEIGHT;
            let width = (bar.value * scale).max(1.0);
            let _ = write!(
                svg,
                "<rect x=\"{LABEL_WIDTH}\" y=\"{y}\" width=\"{width:.1}\" height=\"{}\" fill=\"{}\" \
                 stroke=\"#1b1b1b\"/><text x=\"{:.1}\" y=\"{}\" font-size=\"13\">{}</text>",
                BAR_HEIGHT - 4.0,
                attribute(&fills[index]),
                LABEL_WIDTH + width + 6.0,
                y + BAR_HEIGHT - 8.0,
                text(&format!("{}: {}", chart.series[index], bar.words)),
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// Every value in words: "Pharmacy: From Veterans 3, From staff 2. …"
fn description(chart: &Chart) -> String {
    if chart.groups.is_empty() {
        return "No care teams in this report.".to_string();
    }
    chart
        .groups
        .iter()
        .map(|(label, bars)| {
            format!(
                "{label}: {} {}, {} {}.",
                chart.series[0], bars[0].words, chart.series[1], bars[1].words
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> Report {
        Report {
            rows: vec![
                ReportRow {
                    label: "Pharmacy <East>".into(),
                    veteran_messages: 3,
                    staff_messages: 2,
                    median_response_ms: Some(5_400_000),
                    ..ReportRow::default()
                },
                ReportRow {
                    label: "Mental Health".into(),
                    ..ReportRow::default()
                },
                ReportRow {
                    label: "All teams".into(),
                    veteran_messages: 3,
                    ..ReportRow::default()
                },
            ],
            ..Report::default()
        }
    }

    #[test]
    fn charts_name_and_describe_themselves_and_label_every_bar_in_words() {
        let charts = report_charts(&report());
        assert_eq!(charts.len(), 3);
        let messages = &charts[0];
        assert!(messages.contains("role=\"img\""));
        assert!(
            messages.contains("<title id=\"chart-messages-title\">Messages in the range</title>")
        );
        assert!(messages.contains(
            "Pharmacy &lt;East&gt;: From Veterans 3, From staff 2. Mental Health: From Veterans 0, From staff 0."
        ));
        assert!(messages.contains(">From staff: 2</text>"));
        // The facility's total is in the table, not in the charts.
        assert!(!messages.contains("All teams"));
        assert!(charts[1].contains(">Median: 1.5 h</text>"));
        assert!(charts[1].contains(">90th percentile: none answered</text>"));
    }
}
