//! The multiprecision engine alone: the reference twins of [`eval`](super::eval) and
//! [`deriv`](super::deriv), with the same signatures and results, without the binary64 fast
//! path. The fast path is tested against them.

use super::elu::{d_elu_mp, elu_mp};
use super::gelu::{d_gelu_mp, gelu_mp};
use super::gelu_tanh::{d_gelu_tanh_mp, gelu_tanh_mp};
use super::logistic::sigmoid_mp;
use super::relu::{d_relu, relu};
use super::sigmoid::d_sigmoid_mp;
use super::silu::{d_silu_mp, silu_mp};
use super::softplus::softplus_mp;
use super::tanh::{d_tanh_mp, tanh_mp};
use crate::act_op::Activation;
use crate::env::Env;
use crate::flags::Rounded;
use crate::format::Format;

/// `act(x)`, correctly rounded, by the multiprecision engine alone.
pub fn eval(env: &Env, fmt: &Format, act: Activation, x: u128) -> Rounded<u128> {
    match act {
        Activation::Relu => relu(env, fmt, x),
        Activation::Elu => elu_mp(env, fmt, x),
        Activation::Gelu => gelu_mp(env, fmt, x),
        Activation::GeluTanh => gelu_tanh_mp(env, fmt, x),
        Activation::Silu => silu_mp(env, fmt, x),
        Activation::Sigmoid => sigmoid_mp(env, fmt, x),
        Activation::Tanh => tanh_mp(env, fmt, x),
        Activation::Softplus => softplus_mp(env, fmt, x),
    }
}

/// `act'(x)`, correctly rounded, by the multiprecision engine alone; `kink` as in
/// [`deriv`](super::deriv).
pub fn deriv(env: &Env, fmt: &Format, act: Activation, x: u128, kink: u128) -> Rounded<u128> {
    match act {
        Activation::Relu => d_relu(env, fmt, x, kink),
        Activation::Elu => d_elu_mp(env, fmt, x),
        Activation::Gelu => d_gelu_mp(env, fmt, x),
        Activation::GeluTanh => d_gelu_tanh_mp(env, fmt, x),
        Activation::Silu => d_silu_mp(env, fmt, x),
        Activation::Sigmoid => d_sigmoid_mp(env, fmt, x),
        Activation::Tanh => d_tanh_mp(env, fmt, x),
        // softplus'(x) = sigmoid(x).
        Activation::Softplus => sigmoid_mp(env, fmt, x),
    }
}
