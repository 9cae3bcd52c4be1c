/** Placeholder: being built. */
export default function Office() {
  return null;
}
