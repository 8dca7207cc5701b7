// carbonapi's protobuf messages (go-graphite/protocol carbonapi_v2_pb and carbonapi_v3_pb, written
// here from their .proto files: field numbers and types as published), encoded and decoded by
// protobufjs. The one module that imports protobufjs. proto3: repeated scalars are packed.

import protobuf from 'protobufjs'

const V3_PROTO = `
syntax = "proto3";
package carbonapi_v3_pb;

message MultiGlobRequest {
  repeated string metrics = 1;
  int64 startTime = 2;
  int64 stopTime = 3;
}
message GlobMatch {
  string path = 1;
  bool isLeaf = 2;
}
message GlobResponse {
  string name = 1;
  repeated GlobMatch matches = 2;
}
message MultiGlobResponse {
  repeated GlobResponse metrics = 1;
}
message FilteringFunction {
  string name = 1;
  repeated string arguments = 2;
}
message FetchRequest {
  string name = 1;
  int64 startTime = 2;
  int64 stopTime = 3;
  bool highPrecisionTimestamps = 4;
  string pathExpression = 5;
  repeated FilteringFunction filterFunctions = 6;
  int64 maxDataPoints = 7;
}
message MultiFetchRequest {
  repeated FetchRequest metrics = 1;
}
message FetchResponse {
  string name = 1;
  string pathExpression = 2;
  string consolidationFunc = 3;
  int64 startTime = 4;
  int64 stopTime = 5;
  int64 stepTime = 6;
  float xFilesFactor = 7;
  bool highPrecisionTimestamps = 8;
  repeated double values = 9;
  repeated string appliedFunctions = 10;
  int64 requestStartTime = 11;
  int64 requestStopTime = 12;
}
message MultiFetchResponse {
  repeated FetchResponse metrics = 1;
}
message CapabilityRequest {}
message CapabilityResponse {
  repeated string supportedProtocols = 1;
  string name = 2;
  bool highPrecisionTimestamps = 3;
  bool supportFilteringFunctions = 4;
  bool likeSplittedRequests = 5;
  bool supportStreaming = 6;
}
message MultiMetricsInfoRequest {
  repeated string names = 1;
}
message Retention {
  int64 secondsPerPoint = 1;
  int64 numberOfPoints = 2;
}
message MetricsInfoResponse {
  string name = 1;
  string consolidationFunc = 2;
  int64 maxRetention = 3;
  float xFilesFactor = 4;
  repeated Retention retentions = 5;
}
message MultiMetricsInfoResponse {
  repeated MetricsInfoResponse metrics = 1;
}
message ListMetricsResponse {
  repeated string Metrics = 1;
}
`

const V2_PROTO = `
syntax = "proto3";
package carbonapi_v2_pb;

message FetchResponse {
  string name = 1;
  int32 startTime = 2;
  int32 stopTime = 3;
  int32 stepTime = 4;
  repeated double values = 5;
  repeated bool isAbsent = 6;
}
message MultiFetchResponse {
  repeated FetchResponse metrics = 1;
}
message GlobMatch {
  string path = 1;
  bool isLeaf = 2;
}
message GlobResponse {
  string name = 1;
  repeated GlobMatch matches = 2;
}
message Retention {
  int32 secondsPerPoint = 1;
  int32 numberOfPoints = 2;
}
message InfoResponse {
  string name = 1;
  string aggregationMethod = 2;
  int32 maxRetention = 3;
  float xFilesFactor = 4;
  repeated Retention retentions = 5;
}
message ServerInfoResponse {
  string server = 1;
  InfoResponse info = 2;
}
message ZipperInfoResponse {
  repeated ServerInfoResponse responses = 1;
}
message ListMetricsResponse {
  repeated string metrics = 1;
}
`

const roots = { v3: protobuf.parse(V3_PROTO).root, v2: protobuf.parse(V2_PROTO).root }

export type ProtoVersion = keyof typeof roots

function type(version: ProtoVersion, name: string): protobuf.Type {
  return roots[version].lookupType(`carbonapi_${version}_pb.${name}`)
}

/**
 * Encode a plain object as `message` of the protocol. The object must have the message's shape
 * (numbers for integers, arrays for repeated fields): it is encoded as is, without protobufjs's
 * fromObject conversion, which costs more than the encoding for large value lists.
 */
export function encodeMessage(version: ProtoVersion, message: string, value: object): Uint8Array {
  return type(version, message).encode(value).finish()
}

/**
 * Decode bytes as `message`; 64-bit integers as numbers, every field present (defaults included).
 * @throws Error from protobufjs for bytes that are not such a message
 */
export function decodeMessage(
  version: ProtoVersion,
  message: string,
  bytes: Uint8Array,
): Record<string, unknown> {
  const t = type(version, message)
  return t.toObject(t.decode(bytes), { longs: Number, defaults: true, arrays: true }) as Record<
    string,
    unknown
  >
}
