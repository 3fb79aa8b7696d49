/** The provider-neutral call-event endpoint uses Textback's webhook signature (libs/service-kit). */
export {
  signTextbackWebhook as signCallEvent,
  verifyTextbackWebhook as verifyCallEventSignature,
  type SignatureVerdict,
} from '@textback/service-kit';
