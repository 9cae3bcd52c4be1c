/** Placeholder: being built. */
export default function Performance() {
  return null;
}
