// Every message, enum and service generated from proto/ against the hand-written fact table:
// same set of names, same descriptors, and every field of every message put on the wire by
// protobuf-es and read back by protobufjs under the fact sheet's numbers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DescEnum, DescFile, DescMessage, DescService } from '@bufbuild/protobuf';
import { nestedTypes } from '@bufbuild/protobuf/reflect';
import * as proto from './index.js';
import { factServices, factTypeNames } from './testing/fact-root.js';
import { fillVariants } from './testing/fill.js';
import { checkDescriptor, checkEnum, checkService, checkWireMessage } from './testing/wire-check.js';

function isFile(value: unknown): value is DescFile {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'file';
}

/** All descriptors reachable from the package's public namespaces. */
function generated(): { messages: DescMessage[]; enums: DescEnum[]; services: DescService[] } {
  const files = new Set<DescFile>();
  for (const namespace of Object.values(proto)) {
    for (const value of Object.values(namespace)) if (isFile(value)) files.add(value);
  }
  const out = { messages: [] as DescMessage[], enums: [] as DescEnum[], services: [] as DescService[] };
  for (const file of files) {
    for (const desc of nestedTypes(file)) {
      if (desc.kind === 'message') out.messages.push(desc);
      else if (desc.kind === 'enum') out.enums.push(desc);
      else if (desc.kind === 'service') out.services.push(desc);
    }
  }
  return out;
}

const all = generated();
const names = (list: Array<{ typeName: string }>): string[] => list.map((d) => d.typeName).sort();

describe('generated code vs fact table', () => {
  it('has exactly the messages, enums and services of the fact sheets', () => {
    const facts = factTypeNames();
    assert.deepEqual(names(all.messages), facts.messages);
    assert.deepEqual(names(all.enums), facts.enums);
    assert.deepEqual(names(all.services), factServices().map((s) => s.typeName).sort());
  });

  it('exports each proto package from one namespace', () => {
    assert.deepEqual(Object.keys(proto).sort(), [
      'agentdebugv1', 'agentloggerv1', 'agentv1', 'bundlev1', 'debugv1', 'delegatedidentityv1', 'entryv1',
      'healthv1', 'localauthorityv1', 'loggerv1', 'svidv1', 'trustdomainv1', 'types', 'workload',
    ]);
    // Same short name, different packages: no clash thanks to the namespaces.
    assert.equal(proto.workload.X509SVIDSchema.typeName, 'X509SVID');
    assert.equal(proto.types.X509SVIDSchema.typeName, 'spire.api.types.X509SVID');
    assert.equal(proto.loggerv1.Logger.typeName, 'spire.api.server.logger.v1.Logger');
    assert.equal(proto.agentloggerv1.Logger.typeName, 'spire.api.agent.logger.v1.Logger');
    assert.equal(proto.types.LoggerSchema.typeName, 'spire.api.types.Logger');
  });

  for (const message of all.messages) {
    it(`message ${message.typeName}: descriptor and wire`, () => {
      checkDescriptor(message);
      const covered = new Set<string>();
      for (const variant of fillVariants(message)) {
        for (const name of checkWireMessage(message, variant)) covered.add(name);
      }
      assert.deepEqual(message.fields.map((f) => f.name).filter((n) => !covered.has(n)), []);
    });
  }

  for (const enumDesc of all.enums) {
    it(`enum ${enumDesc.typeName}`, () => checkEnum(enumDesc));
  }

  for (const service of all.services) {
    it(`service ${service.typeName}`, () => checkService(service));
  }
});
