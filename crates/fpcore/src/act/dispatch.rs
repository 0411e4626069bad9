//! Evaluation by activation: [`eval`], [`deriv`], their composite twins and the methods of
//! [`ActOp`] that run them, each a match over the per-activation files.

use super::elu::{d_elu, d_elu_composite, elu, elu_composite};
use super::gelu::{d_gelu, d_gelu_composite, gelu, gelu_composite};
use super::gelu_tanh::{d_gelu_tanh, d_gelu_tanh_composite, gelu_tanh, gelu_tanh_composite};
use super::relu::{d_relu, d_relu_composite, relu, relu_composite};
use super::sigmoid::{d_sigmoid, d_sigmoid_composite, sigmoid, sigmoid_composite};
use super::silu::{d_silu, d_silu_composite, silu, silu_composite};
use super::softplus::{d_softplus, d_softplus_composite, softplus, softplus_composite};
use super::tanh::{d_tanh, d_tanh_composite, tanh, tanh_composite};
use crate::act_op::{ActOp, Activation};
use crate::env::Env;
use crate::flags::Rounded;
use crate::format::Format;
use crate::model;

impl ActOp {
    /// The correctly rounded value of this op at `x` (see [`eval`] and [`deriv`]).
    pub fn eval(self, env: &Env, fmt: &Format, x: u128, kink: u128) -> Rounded<u128> {
        if self.derivative {
            deriv(env, fmt, self.act, x, kink)
        } else {
            eval(env, fmt, self.act, x)
        }
    }

    /// The binary64 fast path alone: the correctly rounded value of this op at `x` where that
    /// path decides it, `None` where [`ActOp::eval`] falls back to the multiprecision engine
    /// (formats with p > 24 or a wide exponent range, zeros, infinities, NaNs, exact cases,
    /// and results too close to a rounding boundary). Where it is `Some`, it equals
    /// [`ActOp::eval`] (for relu', which it never decides, `kink` plays no part).
    pub fn eval_fast(self, env: &Env, fmt: &Format, x: u128) -> Option<Rounded<u128>> {
        if model::applies(env) {
            return None;
        }
        crate::fast::act::eval(env, fmt, self, x)
    }

    /// The composite value of this op at `x` (see [`eval_composite`], [`deriv_composite`]).
    pub fn eval_composite(self, env: &Env, fmt: &Format, x: u128, kink: u128) -> Rounded<u128> {
        if self.derivative {
            deriv_composite(env, fmt, self.act, x, kink)
        } else {
            eval_composite(env, fmt, self.act, x)
        }
    }
}

/// `act(x)`, correctly rounded (docs/semantics.md §3), or its modelled composition under a
/// modelled environment (docs/semantics.md §7).
pub fn eval(env: &Env, fmt: &Format, act: Activation, x: u128) -> Rounded<u128> {
    if model::applies(env) {
        return model::run(env, fmt, fmt, [x], |ieee, w, _, [x]| eval(ieee, w, act, x));
    }
    match act {
        Activation::Relu => relu(env, fmt, x),
        Activation::Elu => elu(env, fmt, x),
        Activation::Gelu => gelu(env, fmt, x),
        Activation::GeluTanh => gelu_tanh(env, fmt, x),
        Activation::Silu => silu(env, fmt, x),
        Activation::Sigmoid => sigmoid(env, fmt, x),
        Activation::Tanh => tanh(env, fmt, x),
        Activation::Softplus => softplus(env, fmt, x),
    }
}

/// `act'(x)`, correctly rounded (docs/semantics.md §3). `kink` is relu'(0) (an encoding in `fmt`,
/// returned as given); the other activations have no kink and ignore it.
pub fn deriv(env: &Env, fmt: &Format, act: Activation, x: u128, kink: u128) -> Rounded<u128> {
    if model::applies(env) {
        // The kink is an encoding of `fmt`; with `via` it is converted like the operand.
        return model::run(env, fmt, fmt, [x, kink], |ieee, w, _, [x, kink]| {
            deriv(ieee, w, act, x, kink)
        });
    }
    match act {
        Activation::Relu => d_relu(env, fmt, x, kink),
        Activation::Elu => d_elu(env, fmt, x),
        Activation::Gelu => d_gelu(env, fmt, x),
        Activation::GeluTanh => d_gelu_tanh(env, fmt, x),
        Activation::Silu => d_silu(env, fmt, x),
        Activation::Sigmoid => d_sigmoid(env, fmt, x),
        Activation::Tanh => d_tanh(env, fmt, x),
        Activation::Softplus => d_softplus(env, fmt, x),
    }
}

/// `act(x)` by its composite definition (see each `*_composite` function for its order).
pub fn eval_composite(env: &Env, fmt: &Format, act: Activation, x: u128) -> Rounded<u128> {
    if model::applies(env) {
        return model::composite(env, fmt, x, |x| composite_steps(env, fmt, act, x));
    }
    composite_steps(env, fmt, act, x)
}

/// The composite definitions' steps, each step modelled by its own operation.
fn composite_steps(env: &Env, fmt: &Format, act: Activation, x: u128) -> Rounded<u128> {
    match act {
        Activation::Relu => relu_composite(env, fmt, x),
        Activation::Elu => elu_composite(env, fmt, x),
        Activation::Gelu => gelu_composite(env, fmt, x),
        Activation::GeluTanh => gelu_tanh_composite(env, fmt, x),
        Activation::Silu => silu_composite(env, fmt, x),
        Activation::Sigmoid => sigmoid_composite(env, fmt, x),
        Activation::Tanh => tanh_composite(env, fmt, x),
        Activation::Softplus => softplus_composite(env, fmt, x),
    }
}

/// `act'(x)` by its composite definition; `kink` as in [`deriv`].
pub fn deriv_composite(
    env: &Env,
    fmt: &Format,
    act: Activation,
    x: u128,
    kink: u128,
) -> Rounded<u128> {
    if model::applies(env) {
        return model::composite(env, fmt, x, |x| deriv_composite_steps(env, fmt, act, x, kink));
    }
    deriv_composite_steps(env, fmt, act, x, kink)
}

/// The derivatives' composite steps, each step modelled by its own operation.
fn deriv_composite_steps(
    env: &Env,
    fmt: &Format,
    act: Activation,
    x: u128,
    kink: u128,
) -> Rounded<u128> {
    match act {
        Activation::Relu => d_relu_composite(env, fmt, x, kink),
        Activation::Elu => d_elu_composite(env, fmt, x),
        Activation::Gelu => d_gelu_composite(env, fmt, x),
        Activation::GeluTanh => d_gelu_tanh_composite(env, fmt, x),
        Activation::Silu => d_silu_composite(env, fmt, x),
        Activation::Sigmoid => d_sigmoid_composite(env, fmt, x),
        Activation::Tanh => d_tanh_composite(env, fmt, x),
        Activation::Softplus => d_softplus_composite(env, fmt, x),
    }
}
