//! The names of the activation functions and their derivatives: [`Activation`] and [`ActOp`],
//! the protocol's one-operand activation ops. They sit below both the activations (`act/`) and
//! their binary64 fast path (`fast/act.rs`), which dispatch on them; the evaluation methods of
//! [`ActOp`] live with the activations, and both types are re-exported as `fpcore::act::*`.

/// An activation function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Activation {
    /// `relu(x) = max(x, 0)`.
    Relu,
    /// `elu(x) = x` for `x > 0`, `e^x - 1` otherwise (alpha = 1).
    Elu,
    /// `gelu(x) = x Phi(x)`, Phi the standard normal CDF (the erf form).
    Gelu,
    /// `gelu_tanh(x) = x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`.
    GeluTanh,
    /// `silu(x) = x sigmoid(x)` (swish).
    Silu,
    /// `sigmoid(x) = 1 / (1 + e^-x)`.
    Sigmoid,
    /// `tanh(x)`.
    Tanh,
    /// `softplus(x) = ln(1 + e^x)`.
    Softplus,
}

impl Activation {
    /// Every activation, in protocol order.
    pub const ALL: [Activation; 8] = [
        Activation::Relu,
        Activation::Elu,
        Activation::Gelu,
        Activation::GeluTanh,
        Activation::Silu,
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Softplus,
    ];

    /// The protocol name (`relu`, `elu`, `gelu`, `gelu_tanh`, `silu`, `sigmoid`, `tanh`,
    /// `softplus`).
    pub fn name(self) -> &'static str {
        match self {
            Activation::Relu => "relu",
            Activation::Elu => "elu",
            Activation::Gelu => "gelu",
            Activation::GeluTanh => "gelu_tanh",
            Activation::Silu => "silu",
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Softplus => "softplus",
        }
    }

    /// The protocol name of the derivative (`d_relu` ... `d_softplus`).
    pub fn deriv_name(self) -> &'static str {
        match self {
            Activation::Relu => "d_relu",
            Activation::Elu => "d_elu",
            Activation::Gelu => "d_gelu",
            Activation::GeluTanh => "d_gelu_tanh",
            Activation::Silu => "d_silu",
            Activation::Sigmoid => "d_sigmoid",
            Activation::Tanh => "d_tanh",
            Activation::Softplus => "d_softplus",
        }
    }

    /// Parses a protocol name (`swish` is accepted for `silu`).
    pub fn parse(name: &str) -> Option<Activation> {
        let name = name.trim().to_ascii_lowercase();
        if name == "swish" {
            return Some(Activation::Silu);
        }
        Activation::ALL.into_iter().find(|a| a.name() == name)
    }
}

/// An activation or its derivative: the protocol's one-operand activation ops.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ActOp {
    /// The activation.
    pub act: Activation,
    /// Whether this is the derivative.
    pub derivative: bool,
}

impl ActOp {
    /// Parses `relu` ... `softplus` and `d_relu` ... `d_softplus`.
    pub fn parse(name: &str) -> Option<ActOp> {
        let name = name.trim().to_ascii_lowercase();
        match name.strip_prefix("d_") {
            Some(rest) => Activation::parse(rest).map(|act| ActOp { act, derivative: true }),
            None => Activation::parse(&name).map(|act| ActOp { act, derivative: false }),
        }
    }

    /// The protocol name.
    pub fn name(self) -> &'static str {
        if self.derivative {
            self.act.deriv_name()
        } else {
            self.act.name()
        }
    }

    /// Every activation and derivative: the eight activations, then the eight derivatives.
    pub fn all() -> impl Iterator<Item = ActOp> {
        let values = Activation::ALL.into_iter().map(|act| ActOp { act, derivative: false });
        let derivs = Activation::ALL.into_iter().map(|act| ActOp { act, derivative: true });
        values.chain(derivs)
    }
}
