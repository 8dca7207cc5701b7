// What graphite-web's /functions says of one function (functionInfo): the shape of catalog.ts's
// entries and of the /functions answers.

export interface FunctionParamInfo {
  name: string
  type: string
  required?: boolean
  default?: unknown
  multiple?: boolean
  options?: readonly unknown[]
  suggestions?: readonly unknown[]
}

export interface FunctionInfo {
  name: string
  function: string
  description: string | null
  module: string
  group: string
  params: readonly FunctionParamInfo[] | null
}
