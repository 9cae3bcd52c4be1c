/** Placeholder: being built. */
export default function VerifyDocument() {
  return null;
}
