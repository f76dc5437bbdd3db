import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as soap from 'soap';

const MSG = 'http://iec.ch/TC57/2011/schema/message';

/** A subscriber's own WSDL: the generic 61968-100 PublishEvent operation (EventMessage in, ResponseMessage out). */
const WSDL = `<?xml version="1.0"?>
<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:m="${MSG}" xmlns:tns="urn:oms" targetNamespace="urn:oms">
<types><xs:schema targetNamespace="${MSG}" elementFormDefault="qualified">
<xs:element name="EventMessage"><xs:complexType><xs:sequence><xs:any processContents="skip" minOccurs="0" maxOccurs="unbounded"/></xs:sequence></xs:complexType></xs:element>
<xs:element name="ResponseMessage"><xs:complexType><xs:sequence><xs:any processContents="skip" minOccurs="0" maxOccurs="unbounded"/></xs:sequence></xs:complexType></xs:element>
</xs:schema></types>
<message name="EventIn"><part name="body" element="m:EventMessage"/></message>
<message name="ResponseOut"><part name="body" element="m:ResponseMessage"/></message>
<portType name="OmsPort"><operation name="PublishEvent"><input message="tns:EventIn"/><output message="tns:ResponseOut"/></operation></portType>
<binding name="OmsBinding" type="tns:OmsPort"><soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
<operation name="PublishEvent"><soap:operation soapAction="${MSG}/PublishEvent"/><input><soap:body use="literal"/></input><output><soap:body use="literal"/></output></operation></binding>
<service name="Oms"><port name="OmsPort" binding="tns:OmsBinding"><soap:address location="http://127.0.0.1/oms"/></port></service>
</definitions>`;

export interface SoapEvent {
  messageId: string;
  device: string;
  eventType: string;
  mRID?: string;
  details: Record<string, string[]>;
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

interface Parsed {
  Header: { MessageID: string; Verb: string; Noun: string };
  Payload: { EndDeviceEvents: { EndDeviceEvent: unknown } };
}
interface ParsedEvent { mRID?: string; Assets?: { mRID: string }; EndDeviceEventType: { attributes: { ref: string } }; EndDeviceEventDetails?: { name: string; value: string } | { name: string; value: string }[] }

/** A real SOAP subscriber (an OMS) hosted with node-soap; records the events it is sent. */
export async function soapSubscriber(): Promise<{ url: string; events: SoapEvent[]; messages: number; close(): Promise<void> }> {
  const server: Server = createServer((_req, res) => res.writeHead(404).end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const state = { url: '', events: [] as SoapEvent[], messages: 0, close: () => new Promise<void>((r) => server.close(() => r())) };
  soap.listen(server, '/oms', {
    Oms: {
      OmsPort: {
        PublishEvent: (args: Parsed) => {
          state.messages++;
          for (const e of list(args.Payload.EndDeviceEvents.EndDeviceEvent as ParsedEvent | ParsedEvent[])) {
            const details: Record<string, string[]> = {};
            for (const d of list(e.EndDeviceEventDetails)) (details[d.name] ??= []).push(String(d.value));
            state.events.push({ messageId: args.Header.MessageID, device: e.Assets?.mRID ?? '', eventType: e.EndDeviceEventType.attributes.ref, ...(e.mRID ? { mRID: e.mRID } : {}), details });
          }
          return { Header: { Verb: 'reply', Noun: args.Header.Noun }, Reply: { Result: 'OK' } };
        },
      },
    },
  }, WSDL);
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oms`;
  return state;
}
