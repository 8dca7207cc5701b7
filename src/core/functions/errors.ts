// The engine's errors. Answered 400 by /render: ExpressionError (the text does not parse, or nests
// too deep), InvalidParameterError (an argument graphite-web's params would refuse), UnknownFunction.
// FunctionInputError is graphite-web's InputParameterError raised inside a function: graphite-web
// logs it, then refuses the call as an unknown token (a 400), and so does carbonkit (naming why).

import { InvalidArgumentError } from '../errors.js'

export class ExpressionError extends InvalidArgumentError {}

export class InvalidParameterError extends InvalidArgumentError {}

export class FunctionInputError extends Error {}

/** normalize() of an empty list: the function answers an empty list. */
export class NormalizeEmptyError extends Error {}
