import * as plivo from 'plivo';

/** The SDK's XML builder, typed by what we use of it (its own typings return `object`). */
interface PlivoXmlElement {
  addNumber(body: string, attributes?: object): PlivoXmlElement;
}
interface PlivoXmlResponse {
  addDial(attributes: object): PlivoXmlElement;
  addSpeak(body: string, attributes?: object): unknown;
  addHangup(attributes?: object): unknown;
  toXML(): string;
}

function response(build: (r: PlivoXmlResponse) => void): string {
  const r = new (plivo.Response as unknown as new () => PlivoXmlResponse)();
  build(r);
  return r.toXML();
}

/** Rings the forwarding number; Plivo reports the verdict to `actionUrl`, leg events to `callbackUrl`. */
export function dialXml(o: {
  actionUrl: string;
  callbackUrl: string;
  /** Seconds the business phone rings before the caller counts as missed. */
  timeoutSeconds: number;
  forwardTo: string;
  /** Played to whoever picks up: a person presses 1, a voicemail greeting cannot. */
  confirmSoundUrl?: string | undefined;
}): string {
  return response((r) => {
    r.addDial({
      action: o.actionUrl,
      method: 'POST',
      callbackUrl: o.callbackUrl,
      callbackMethod: 'POST',
      timeout: o.timeoutSeconds,
      redirect: true,
      ...(o.confirmSoundUrl ? { confirmSound: o.confirmSoundUrl, confirmKey: '1' } : {}),
    }).addNumber(o.forwardTo.replace(/^\+/, ''));
  });
}

/** Says something, then hangs up (no text: just hangs up). */
export function speakThenHangupXml(text?: string): string {
  return response((r) => {
    if (text) r.addSpeak(text);
    r.addHangup();
  });
}

/** Says something and lets Plivo go on (the screening prompt). */
export function speakXml(text: string): string {
  return response((r) => r.addSpeak(text));
}
