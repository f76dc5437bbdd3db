import { capitalise } from '../../cim/verbs.js';
import type { HandlerRegistry } from '../../registry/handler-registry.js';
import { MSG_NS, typedNs } from '../../xml/namespaces.js';
import type { SchemaSet } from '../../xml/schema-set.js';
import { genericOperations, soapActionFor } from './soap-actions.js';

interface Operation {
  name: string;
  input: string;
  output: string;
  fault?: string;
}

const WSDL = 'http://schemas.xmlsoap.org/wsdl/';
const SOAP11 = 'http://schemas.xmlsoap.org/wsdl/soap/';
const SOAP12 = 'http://schemas.xmlsoap.org/wsdl/soap12/';

function document(name: string, tns: string, schemaNs: string, schemaUrl: string, operations: Operation[], address: string): string {
  const messages = operations.flatMap((op) => [op.input, op.output, op.fault].filter((e): e is string => Boolean(e)))
    .filter((e, i, all) => all.indexOf(e) === i)
    .map((e) => `  <wsdl:message name="${e}"><wsdl:part name="${e}" element="cim:${e}"/></wsdl:message>`).join('\n');
  const portOps = operations.map((op) => `    <wsdl:operation name="${op.name}">
      <wsdl:input message="tns:${op.input}"/>
      <wsdl:output message="tns:${op.output}"/>${op.fault ? `\n      <wsdl:fault name="${op.fault}" message="tns:${op.fault}"/>` : ''}
    </wsdl:operation>`).join('\n');
  const binding = (prefix: string, suffix: string) => `  <wsdl:binding name="${name}Binding${suffix}" type="tns:${name}Port">
    <${prefix}:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
${operations.map((op) => `    <wsdl:operation name="${op.name}">
      <${prefix}:operation soapAction="${soapActionFor(schemaNs, op.name)}" style="document"/>
      <wsdl:input><${prefix}:body use="literal"/></wsdl:input>
      <wsdl:output><${prefix}:body use="literal"/></wsdl:output>${op.fault ? `\n      <wsdl:fault name="${op.fault}"><${prefix}:fault name="${op.fault}" use="literal"/></wsdl:fault>` : ''}
    </wsdl:operation>`).join('\n')}
  </wsdl:binding>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<wsdl:definitions name="${name}" targetNamespace="${tns}" xmlns:wsdl="${WSDL}" xmlns:soap="${SOAP11}" xmlns:soap12="${SOAP12}"
    xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:tns="${tns}" xmlns:cim="${schemaNs}">
  <wsdl:types>
    <xsd:schema targetNamespace="${tns}/types" elementFormDefault="qualified">
      <xsd:import namespace="${schemaNs}" schemaLocation="${schemaUrl}"/>
    </xsd:schema>
  </wsdl:types>
${messages}
  <wsdl:portType name="${name}Port">
${portOps}
  </wsdl:portType>
${binding('soap', '')}
${binding('soap12', '12')}
  <wsdl:service name="${name}Service">
    <wsdl:port name="${name}Soap" binding="tns:${name}Binding"><soap:address location="${address}"/></wsdl:port>
    <wsdl:port name="${name}Soap12" binding="tns:${name}Binding12"><soap12:address location="${address}"/></wsdl:port>
  </wsdl:service>
</wsdl:definitions>
`;
}

/** The generic 61968-100 WSDL: Request, PublishEvent and Response operations. */
export function genericWsdl(baseUrl: string, schemaUrl: string): string {
  const operations: Operation[] = [
    { name: genericOperations.RequestMessage, input: 'RequestMessage', output: 'ResponseMessage', fault: 'FaultMessage' },
    { name: genericOperations.EventMessage, input: 'EventMessage', output: 'ResponseMessage', fault: 'FaultMessage' },
    { name: genericOperations.ResponseMessage, input: 'ResponseMessage', output: 'ResponseMessage', fault: 'FaultMessage' },
  ];
  return document('CIMGateway', `${MSG_NS}/wsdl`, MSG_NS, `${baseUrl}${schemaUrl}`, operations, `${baseUrl}/cim/soap`);
}

/**
 * A strongly typed WSDL for one noun, one operation per routed verb whose wrapper element the
 * loaded schemas declare (so a utility's schema profile decides what is offered).
 */
export function typedWsdl(noun: string, registry: HandlerRegistry, schemas: SchemaSet, baseUrl: string, schemaUrl: string): string {
  const ns = typedNs(noun);
  const declared = (name: string) => schemas.globalElements.has(`{${ns}}${name}`);
  const operations = registry.verbs(noun)
    .map((verb) => `${capitalise(verb)}${noun}`)
    .filter(declared)
    .map((name) => ({ name, input: name, output: `${noun}ResponseMessage`, ...(declared(`${noun}FaultMessage`) ? { fault: `${noun}FaultMessage` } : {}) }));
  return document(`${noun}Service`, `${ns}/wsdl`, ns, `${baseUrl}${schemaUrl}`, operations, `${baseUrl}/cim/soap/${noun}`);
}
