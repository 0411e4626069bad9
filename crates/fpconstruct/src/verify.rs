//! The check every construction ends with: the network runs on every point of the domain with
//! fpnet's interpreter and fpad's backward pass (one batch); accepted points must give their
//! targets, kept rejected points +0 and +0, and no step may overflow or be invalid.

use fpad::{Ad, BatchOptions, OutputGradient};
use fpnet::Graph;

use crate::arith::bad_flags;
use crate::domain::Point;
use crate::error::ConstructError;
use crate::report::Report;

/// Runs the network on the whole domain against the report; returns the number of points
/// checked.
pub(crate) fn verify(
    graph: &Graph,
    report: &Report,
    domain: &[Point],
    phi: &OutputGradient,
) -> Result<usize, ConstructError> {
    let fmt = &report.format;
    let zero = fmt.zero(false);
    let show = |v: &[u128]| -> String {
        v.iter().map(|&b| fpcore::text::bits::format_bits(fmt, b)).collect::<Vec<_>>().join(" ")
    };
    let fail = |x: &[u128], message: String| ConstructError::Verify { x: show(x), message };
    let inputs: Vec<u128> = domain.iter().flat_map(|p| p.x.iter().copied()).collect();
    let got = Ad::new(graph, fpcore::Env::default())
        .batch(&inputs, phi, None, None, BatchOptions::default())
        .map_err(|e| fail(domain.first().map_or(&[][..], |p| &p.x), e.to_string()))?;
    for (k, p) in domain.iter().enumerate() {
        let point = &report.points[p.line];
        let (want_y, want_g) = if point.accepted() {
            (point.target.y, point.target.g.clone())
        } else {
            (zero, vec![zero; report.inputs])
        };
        let (y, g) = (got.output(k)[0], got.input_gradient(k));
        if y != want_y || g != want_g.as_slice() {
            let message = format!(
                "value {} gradient {}, expected {} and {}",
                show(&[y]),
                show(g),
                show(&[want_y]),
                show(&want_g)
            );
            return Err(fail(&p.x, message));
        }
        let flags = got.flags[k];
        if flags.bits() & bad_flags().bits() != 0 {
            return Err(fail(&p.x, format!("a step raised {flags} (overflow or invalid)")));
        }
    }
    Ok(domain.len())
}
