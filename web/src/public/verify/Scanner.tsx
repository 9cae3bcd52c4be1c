import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ns } from '../i18n.ts';

/** The Barcode Detection API (Chromium on Android and macOS); not in TypeScript's DOM types yet. */
interface BarcodeDetectorLike {
  detect(source: HTMLVideoElement): Promise<Array<{ rawValue: string }>>;
}
type BarcodeDetectorClass = new (options: { formats: string[] }) => BarcodeDetectorLike;
const Detector = (globalThis as { BarcodeDetector?: BarcodeDetectorClass }).BarcodeDetector;

/** Whether this browser can read a QR code from the camera (no scanning library is shipped). */
export const canScan = () => Boolean(Detector && navigator.mediaDevices?.getUserMedia);

/**
 * Reads a QR code with the back camera and the browser's own barcode detector. Where the browser
 * has none (iPhones, Firefox), the phone's camera app reads the QR code and opens this page.
 */
export function Scanner({ onCode }: { onCode: (text: string) => void }) {
  const { t } = useTranslation(ns);
  const [scanning, setScanning] = useState(false);
  const [error, setError] = useState<string>();
  const video = useRef<HTMLVideoElement>(null);

  useEffect(() => {
    if (!scanning || !Detector) return;
    let stream: MediaStream | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const detector = new Detector({ formats: ['qr_code'] });
    const look = async () => {
      if (stopped || !video.current) return;
      try {
        const [code] = video.current.readyState >= 2 ? await detector.detect(video.current) : [];
        if (code?.rawValue && !stopped) {
          setScanning(false);
          onCode(code.rawValue);
          return;
        }
      } catch {
        // A frame the detector could not read: try the next one.
      }
      timer = setTimeout(look, 200);
    };
    void (async () => {
      try {
        stream = await navigator.mediaDevices.getUserMedia({
          video: { facingMode: 'environment' },
          audio: false,
        });
        if (stopped || !video.current) {
          // Closed while the phone asked for the camera: let go of it at once.
          for (const track of stream.getTracks()) track.stop();
          return;
        }
        video.current.srcObject = stream;
        await video.current.play();
        void look();
      } catch {
        setError(t('document.scanFailed'));
        setScanning(false);
      }
    })();
    return () => {
      stopped = true;
      clearTimeout(timer);
      for (const track of stream?.getTracks() ?? []) track.stop();
    };
  }, [scanning, onCode, t]);

  if (!canScan()) return <p className="hint">{t('document.scanUnavailable')}</p>;
  return (
    <div className="scanner">
      {scanning ? (
        <>
          {/* The camera's picture has no words to caption: it only aims the phone. */}
          <video ref={video} muted playsInline aria-label={t('document.camera')} />
          <button type="button" className="secondary" onClick={() => setScanning(false)}>
            {t('document.stopScan')}
          </button>
        </>
      ) : (
        <button
          type="button"
          onClick={() => {
            setError(undefined);
            setScanning(true);
          }}
        >
          {t('document.scan')}
        </button>
      )}
      {error && (
        <p role="alert" className="alert">
          {error}
        </p>
      )}
    </div>
  );
}
