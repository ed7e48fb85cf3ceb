//! The QR code image of a camp's H5 link, as PNG.

use qrcode::{Color, EcLevel, QrCode};

const MODULE_PX: u32 = 8;
const QUIET_MODULES: u32 = 4;

pub fn png(text: &str) -> anyhow::Result<Vec<u8>> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)?;
    let modules = u32::try_from(code.width())?;
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET_MODULES) * MODULE_PX;
    let mut pixels = vec![255u8; (side * side) as usize];
    for (index, color) in colors.iter().enumerate() {
        if *color != Color::Dark {
            continue;
        }
        let index = u32::try_from(index)?;
        let (mx, my) = (
            index % modules + QUIET_MODULES,
            index / modules + QUIET_MODULES,
        );
        for y in my * MODULE_PX..(my + 1) * MODULE_PX {
            let row = (y * side) as usize;
            pixels[row + (mx * MODULE_PX) as usize..row + ((mx + 1) * MODULE_PX) as usize].fill(0);
        }
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&pixels)?;
    writer.finish()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn renders_a_png() -> anyhow::Result<()> {
        let bytes = super::png("http://127.0.0.1:3000/h5/camps/1")?;
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        let size = imagesize::blob_size(&bytes)?;
        assert_eq!(size.width, size.height);
        assert!(size.width >= 200);
        Ok(())
    }
}
