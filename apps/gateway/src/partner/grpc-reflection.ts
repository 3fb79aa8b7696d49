import {
  create,
  createRegistry,
  fromBinary,
  toBinary,
  type DescFile,
  type DescService,
  type MessageInitShape,
} from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import type { ConnectRouter } from '@connectrpc/connect';
import { grpcReflection as v1, grpcReflectionAlpha as alpha } from '@textback/contracts/partner';

/** Every file `roots` need, each once, imports first (a client can build its pool in order). */
function withImports(roots: readonly DescFile[]): DescFile[] {
  const seen = new Map<string, DescFile>();
  const visit = (f: DescFile): void => {
    if (seen.has(f.name)) return;
    f.dependencies.forEach(visit);
    seen.set(f.name, f);
  };
  roots.forEach(visit);
  return [...seen.values()];
}

type Answer = MessageInitShape<typeof v1.ServerReflectionResponseSchema>['messageResponse'];

/**
 * gRPC server reflection (`grpc.reflection.v1`, and the `v1alpha` most tools still ask first),
 * so grpcurl, Postman or a client library can list the services and fetch their descriptors.
 * Connect-ES has no reflection of its own (connect-es#507); the protocol is small and its
 * descriptors are the generated ones, with their imports.
 */
export function addReflection(router: ConnectRouter, services: readonly DescService[]): void {
  const files = withImports([
    ...services.map((s) => s.file),
    v1.file_grpc_reflection_v1_reflection,
    alpha.file_grpc_reflection_v1alpha_reflection,
  ]);
  const registry = createRegistry(...files);
  const served = [
    ...services.map((s) => s.typeName),
    v1.ServerReflection.typeName,
    alpha.ServerReflection.typeName,
  ];
  const descriptors = (file: DescFile | undefined, what: string): Answer =>
    file
      ? {
          case: 'fileDescriptorResponse',
          value: {
            fileDescriptorProto: withImports([file]).map((f) =>
              toBinary(FileDescriptorProtoSchema, f.proto),
            ),
          },
        }
      : { case: 'errorResponse', value: { errorCode: 5, errorMessage: `${what} not found` } };

  const answer = (req: v1.ServerReflectionRequest): Answer => {
    const r = req.messageRequest;
    switch (r.case) {
      case 'listServices':
        return {
          case: 'listServicesResponse',
          value: { service: served.map((name) => ({ name })) },
        };
      case 'fileByFilename':
        return descriptors(
          files.find((f) => f.name === r.value),
          r.value,
        );
      case 'fileContainingSymbol':
        // A method's symbol is its service's plus `.Method`.
        return descriptors(
          (registry.get(r.value) ?? registry.get(r.value.replace(/\.[^.]+$/, '')))?.file,
          r.value,
        );
      case 'fileContainingExtension': {
        const extendee = registry.getMessage(r.value.containingType);
        const ext = extendee
          ? registry.getExtensionFor(extendee, r.value.extensionNumber)
          : undefined;
        return descriptors(ext?.file, 'extension');
      }
      case 'allExtensionNumbersOfType':
        return {
          case: 'allExtensionNumbersResponse',
          value: {
            baseTypeName: r.value,
            extensionNumber: [...registry].flatMap((d) =>
              d.kind === 'extension' && d.extendee.typeName === r.value ? [d.number] : [],
            ),
          },
        };
      case undefined:
        return { case: 'errorResponse', value: { errorCode: 3, errorMessage: 'empty request' } };
    }
  };

  router.rpc(v1.ServerReflection.method.serverReflectionInfo, async function* (requests) {
    for await (const req of requests)
      yield { validHost: req.host, originalRequest: req, messageResponse: answer(req) };
  });
  // v1alpha is v1 under another name (the same fields and numbers): answered by way of v1.
  router.rpc(alpha.ServerReflection.method.serverReflectionInfo, async function* (requests) {
    for await (const req of requests) {
      const asV1 = fromBinary(
        v1.ServerReflectionRequestSchema,
        toBinary(alpha.ServerReflectionRequestSchema, req),
      );
      const response = {
        validHost: req.host,
        originalRequest: asV1,
        messageResponse: answer(asV1),
      };
      const bytes = toBinary(
        v1.ServerReflectionResponseSchema,
        create(v1.ServerReflectionResponseSchema, response),
      );
      yield fromBinary(alpha.ServerReflectionResponseSchema, bytes);
    }
  });
}
