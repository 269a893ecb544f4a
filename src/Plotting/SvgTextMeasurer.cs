using OxyPlot;

namespace GenNN.Plotting
{
    /// <summary>
    /// Measures text for the SVG renderer with the font metrics OxyPlot's PDF renderer carries for the standard PDF
    /// fonts (Helvetica's are Arial's): managed code, no font files, the same layout on every machine.
    /// </summary>
    /// <remarks>
    /// The PDF renderer measures in points, three quarters of the SVG's pixels (72 vs 96 per inch); measured as is,
    /// legend boxes and axis margins come out a quarter too small and the text overflows them.
    /// </remarks>
    internal sealed class SvgTextMeasurer : PdfRenderContext
    {
        private const double PixelsPerPoint = 96.0 / 72.0;

        public SvgTextMeasurer()
            : base(1, 1, OxyColors.White)
        {
        }

        public override OxySize MeasureText(string text, string fontFamily, double fontSize, double fontWeight)
        {
            OxySize size = base.MeasureText(text, fontFamily, fontSize, fontWeight);
            return new OxySize(size.Width * PixelsPerPoint, size.Height * PixelsPerPoint);
        }
    }
}
