/** Placeholder: being built. */
export default function VerifyOutput() {
  return null;
}
